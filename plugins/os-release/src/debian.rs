//! Debian (including Debian-based distroless images) and Ubuntu.

use scry_sdk::osrelease::OsRelease;
use scry_sdk::scanner::Distribution;

use crate::detect::{leading_number, named};

/// Code names by major release, for files that do not carry one.
const DEBIAN_CODE_NAMES: [(u32, &str); 9] = [
    (6, "squeeze"),
    (7, "wheezy"),
    (8, "jessie"),
    (9, "stretch"),
    (10, "buster"),
    (11, "bullseye"),
    (12, "bookworm"),
    (13, "trixie"),
    (14, "forky"),
];

/// Needs an integer `VERSION_ID`; the code name comes from `VERSION_CODENAME`, else the
/// `(word)` in `VERSION` (distroless writes `VERSION="Debian GNU/Linux 12 (bookworm)"`
/// and no `VERSION_CODENAME`).
pub fn debian_from_os_release(os: &OsRelease) -> Option<Distribution> {
    let major: u32 = os.non_empty("VERSION_ID")?.trim().parse().ok()?;
    let code_name = os
        .non_empty("VERSION_CODENAME")
        .map(|c| c.trim().to_string())
        .or_else(|| {
            os.get("VERSION")
                .and_then(parenthesised)
                .map(str::to_string)
        })
        .or_else(|| known_code_name(major).map(str::to_string))
        .unwrap_or_default();
    Some(debian(major, &code_name))
}

/// `etc/debian_version` of a stable release, e.g. `6.0.10` or `12.5`.
pub fn debian_from_version_file(text: &str) -> Option<Distribution> {
    let text = text.trim();
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None; // `bookworm/sid` and the like
    }
    let major = leading_number(text)?;
    Some(debian(major, known_code_name(major)?))
}

fn debian(major: u32, code_name: &str) -> Distribution {
    let version = with_code_name(&major.to_string(), code_name);
    let mut dist = named("debian", "Debian GNU/Linux");
    dist.pretty_name = format!("Debian GNU/Linux {version}");
    dist.version_id = major.to_string();
    dist.version_code_name = code_name.to_string();
    dist.version = version;
    dist
}

fn known_code_name(major: u32) -> Option<&'static str> {
    DEBIAN_CODE_NAMES
        .iter()
        .find(|(m, _)| *m == major)
        .map(|(_, name)| *name)
}

pub fn ubuntu_from_lsb_release(lsb: &OsRelease) -> Option<Distribution> {
    if !lsb.get("DISTRIB_ID")?.trim().eq_ignore_ascii_case("ubuntu") {
        return None;
    }
    let release = lsb.non_empty("DISTRIB_RELEASE")?.trim();
    Some(ubuntu(
        release,
        lsb.get("DISTRIB_CODENAME").unwrap_or_default().trim(),
    ))
}

/// The code name comes from `VERSION_CODENAME`, else `UBUNTU_CODENAME`, else the first
/// word of the release name in `VERSION` (`16.04.7 LTS (Xenial Xerus)`,
/// `14.04.6 LTS, Trusty Tahr`).
pub fn ubuntu_from_os_release(os: &OsRelease) -> Option<Distribution> {
    let release = os.non_empty("VERSION_ID")?.trim();
    let code_name = os
        .non_empty("VERSION_CODENAME")
        .or_else(|| os.non_empty("UBUNTU_CODENAME"))
        .map(|c| c.trim().to_string())
        .or_else(|| os.get("VERSION").and_then(ubuntu_release_name))
        .unwrap_or_default();
    Some(ubuntu(release, &code_name))
}

fn ubuntu(release: &str, code_name: &str) -> Distribution {
    let code_name = code_name.to_ascii_lowercase();
    let mut dist = named("ubuntu", "Ubuntu");
    dist.version = with_code_name(release, &title_case(&code_name));
    dist.pretty_name = format!("Ubuntu {release}");
    dist.version_id = release.to_string();
    dist.version_code_name = code_name;
    dist
}

fn ubuntu_release_name(version: &str) -> Option<String> {
    let name = parenthesised(version).or_else(|| version.split_once(", ").map(|(_, name)| name))?;
    name.split_whitespace().next().map(str::to_ascii_lowercase)
}

/// `N (code)`, or just `N` when the code name is unknown.
fn with_code_name(version: &str, code_name: &str) -> String {
    match code_name {
        "" => version.to_string(),
        code => format!("{version} ({code})"),
    }
}

/// The text inside the last `( … )` of `text`.
fn parenthesised(text: &str) -> Option<&str> {
    let (_, inner) = text.rsplit_once('(')?;
    let (inner, _) = inner.split_once(')')?;
    Some(inner.trim()).filter(|s| !s.is_empty())
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parenthesised_takes_the_last_group() {
        assert_eq!(
            parenthesised("Debian GNU/Linux 12 (bookworm)"),
            Some("bookworm")
        );
        assert_eq!(parenthesised("12 (bookworm)"), Some("bookworm"));
        assert_eq!(parenthesised("no group"), None);
        assert_eq!(parenthesised("empty ()"), None);
    }

    #[test]
    fn ubuntu_release_names() {
        assert_eq!(
            ubuntu_release_name("16.04.7 LTS (Xenial Xerus)").as_deref(),
            Some("xenial")
        );
        assert_eq!(
            ubuntu_release_name("14.04.6 LTS, Trusty Tahr").as_deref(),
            Some("trusty")
        );
        assert_eq!(ubuntu_release_name("24.04"), None);
    }

    #[test]
    fn title_case_capitalises_the_first_letter() {
        assert_eq!(title_case("jammy"), "Jammy");
        assert_eq!(title_case(""), "");
    }

    #[test]
    fn version_file_needs_a_known_numeric_release() {
        assert_eq!(
            debian_from_version_file("6.0.10\n").map(|d| d.version),
            Some("6 (squeeze)".to_string())
        );
        assert!(debian_from_version_file("bookworm/sid\n").is_none());
        assert!(debian_from_version_file("99.1\n").is_none());
        assert!(debian_from_version_file("").is_none());
    }
}
