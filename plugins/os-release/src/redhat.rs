//! Red Hat Enterprise Linux (and UBI), Oracle Linux and Amazon Linux: each reported by
//! major release only, since their security data is keyed that way.

use scry_sdk::osrelease::OsRelease;
use scry_sdk::scanner::Distribution;

use crate::detect::{leading_number, named};

const RHEL: &str = "Red Hat Enterprise Linux";
const ORACLE: &str = "Oracle Linux Server";

pub fn rhel_from_os_release(os: &OsRelease) -> Option<Distribution> {
    let major = os
        .non_empty("VERSION_ID")
        .and_then(leading_number)
        .or_else(|| os.get("PRETTY_NAME").and_then(|p| major_after(p, RHEL)))?;
    Some(rhel(major))
}

/// `etc/redhat-release`, e.g. `Red Hat Enterprise Linux Server release 6.10 (Santiago)`.
/// CentOS and other rebuilds write their own name there and are not matched.
pub fn rhel_from_release_file(text: &str) -> Option<Distribution> {
    major_after(text, RHEL).map(rhel)
}

fn rhel(major: u32) -> Distribution {
    let mut dist = named("rhel", "Red Hat Enterprise Linux Server");
    dist.version = major.to_string();
    dist.version_id = major.to_string();
    dist.pretty_name = format!("Red Hat Enterprise Linux Server {major}");
    dist.cpe = format!("cpe:2.3:o:redhat:enterprise_linux:{major}:*:*:*:*:*:*:*");
    dist
}

pub fn oracle_from_os_release(os: &OsRelease) -> Option<Distribution> {
    os.non_empty("VERSION_ID")
        .and_then(leading_number)
        .map(oracle)
}

/// `etc/oracle-release`, e.g. `Oracle Linux Server release 6.10`.
pub fn oracle_from_release_file(text: &str) -> Option<Distribution> {
    major_after(text, ORACLE).map(oracle)
}

fn oracle(major: u32) -> Distribution {
    let mut dist = named("ol", ORACLE);
    dist.version = major.to_string();
    dist.version_id = major.to_string();
    dist.pretty_name = format!("{ORACLE} {major}");
    dist
}

/// The three Amazon Linux generations, by `VERSION_ID`: every 201x.yy release of the
/// original AMI maps to its last one, 2018.03.
pub fn amazon_from_os_release(os: &OsRelease) -> Option<Distribution> {
    let (name, version, cpe) = match os.non_empty("VERSION_ID")?.trim() {
        "2" => (
            "Amazon Linux",
            "2",
            "cpe:2.3:o:amazon:amazon_linux:2:*:*:*:*:*:*:*",
        ),
        "2023" => (
            "Amazon Linux",
            "2023",
            "cpe:2.3:o:amazon:amazon_linux:2023:*:*:*:*:*:*:*",
        ),
        v if v.starts_with("201") => (
            "Amazon Linux AMI",
            "2018.03",
            "cpe:2.3:o:amazon:linux:2018.03:ga:*:*:*:*:*:*",
        ),
        _ => return None,
    };
    let mut dist = named("amzn", name);
    dist.version = version.to_string();
    dist.version_id = version.to_string();
    dist.pretty_name = format!("{name} {version}");
    dist.cpe = cpe.to_string();
    Some(dist)
}

/// The major release number after `product`, skipping the words release files put in
/// between: `Server`, `Atomic Host`, `release`.
fn major_after(text: &str, product: &str) -> Option<u32> {
    let (_, mut rest) = text.split_once(product)?;
    for word in ["Server", "Atomic Host", "release"] {
        rest = rest.trim_start();
        rest = rest.strip_prefix(word).unwrap_or(rest);
    }
    let rest = rest.trim_start();
    rest.starts_with(|c: char| c.is_ascii_digit())
        .then(|| leading_number(rest))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_file_forms() {
        assert_eq!(
            major_after(
                "Red Hat Enterprise Linux Server release 6.10 (Santiago)",
                RHEL
            ),
            Some(6)
        );
        assert_eq!(
            major_after("Red Hat Enterprise Linux release 8.9 (Ootpa)", RHEL),
            Some(8)
        );
        assert_eq!(
            major_after("Red Hat Enterprise Linux Atomic Host release 7.9", RHEL),
            Some(7)
        );
        assert_eq!(
            major_after("Red Hat Enterprise Linux 9.3 (Plow)", RHEL),
            Some(9)
        );
        assert_eq!(major_after("Red Hat Enterprise Linux", RHEL), None);
        assert_eq!(
            major_after("CentOS Linux release 7.9.2009 (Core)", RHEL),
            None
        );
        assert_eq!(
            major_after("Oracle Linux Server release 7.9", ORACLE),
            Some(7)
        );
    }
}
