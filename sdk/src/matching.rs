//! The verdict rules matchers share, generic over a version ordering and written on
//! plain strings, so they build natively and are tested without the WIT bindings.
//!
//! - [`fixed_version`]: the distribution rule (Debian, Ubuntu, Alpine): affected while
//!   the package is below `fixed_in_version`.
//! - [`osv_range`]: the OSV rule: `fixed_in_version` is a URL query of
//!   `introduced` / `fixed` / `lastAffected`.
//! - [`rpm_rule`]: EVR comparison plus the architecture test.

use crate::version::VersionError;
use std::str::FromStr;

/// Which side of a (record, vulnerability) pair a bad version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Package,
    Vulnerability,
}

/// A version a rule could not order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadVersion {
    pub side: Side,
    pub error: VersionError,
}

fn parse<V: FromStr<Err = VersionError>>(side: Side, text: &str) -> Result<V, BadVersion> {
    text.parse().map_err(|error| BadVersion { side, error })
}

/// What a `fixed_in_version` of `"0"` means to a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroFixed {
    /// Debian, Alpine: the package was never affected.
    NotAffected,
    /// Ubuntu: a version that parses as 0 means "no fix yet".
    Affected,
}

/// Affected iff `fixed` is empty (no fix yet) or the package is below it; `"0"` as
/// `zero` says.
pub fn fixed_version<V>(package: &str, fixed: &str, zero: ZeroFixed) -> Result<bool, BadVersion>
where
    V: Ord + FromStr<Err = VersionError>,
{
    if fixed.is_empty() {
        return Ok(true);
    }
    if zero == ZeroFixed::NotAffected && fixed == "0" {
        return Ok(false);
    }
    let fixed_version: V = parse(Side::Vulnerability, fixed)?;
    if zero == ZeroFixed::Affected && fixed_version == parse::<V>(Side::Vulnerability, "0")? {
        return Ok(true);
    }
    let package: V = parse(Side::Package, package)?;
    Ok(package < fixed_version)
}

/// The bounds an OSV-derived `fixed_in_version` carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsvBounds {
    pub introduced: Option<String>,
    pub fixed: Option<String>,
    pub last_affected: Option<String>,
}

impl OsvBounds {
    /// Decodes `introduced=…&fixed=…&lastAffected=…` as a URL query (first value of
    /// each key wins, `+` is a space, `%XX` escapes; empty values count as absent).
    /// Any other text, including a bare version, carries no bounds: Clair reads it
    /// the same way.
    pub fn decode(query: &str) -> OsvBounds {
        let mut bounds = OsvBounds::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match percent_decode(key).as_str() {
                "introduced" => &mut bounds.introduced,
                "fixed" => &mut bounds.fixed,
                "lastAffected" => &mut bounds.last_affected,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(percent_decode(value)).filter(|v| !v.is_empty());
            }
        }
        bounds
    }
}

/// `%XX` escapes and `+` as space; a malformed escape is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(bytes[i + 1]) << 4 | hex(bytes[i + 2]));
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The OSV rule: affected unless below `introduced`; then below `fixed`, or at most
/// `lastAffected`, or (neither given) affected. An empty `fixed_in_version` is
/// affected without looking at the package version.
pub fn osv_range<V>(package: &str, fixed_in_version: &str) -> Result<bool, BadVersion>
where
    V: Ord + FromStr<Err = VersionError>,
{
    if fixed_in_version.is_empty() {
        return Ok(true);
    }
    let version: V = parse(Side::Package, package)?;
    let bounds = OsvBounds::decode(fixed_in_version);
    // OSV writes "from the first version" as `introduced=0` in every ecosystem, even
    // where `0` is not a valid version (semver).
    if let Some(introduced) = bounds.introduced.as_deref().filter(|v| *v != "0")
        && version < parse::<V>(Side::Vulnerability, introduced)?
    {
        return Ok(false);
    }
    if let Some(fixed) = &bounds.fixed {
        return Ok(version < parse::<V>(Side::Vulnerability, fixed)?);
    }
    if let Some(last) = &bounds.last_affected {
        return Ok(version <= parse::<V>(Side::Vulnerability, last)?);
    }
    Ok(true)
}

/// How a vulnerability's architecture applies to a package's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchOp {
    Equals,
    NotEquals,
    /// The vulnerability's arch is a regular expression (in practice an
    /// alternation such as `aarch64|x86_64`).
    PatternMatch,
}

/// The arch test of the rpm rule: no vulnerability arch passes; otherwise a package
/// without an arch fails, and `op` decides (no op means equality).
pub fn arch_matches(package_arch: &str, vuln_arch: &str, op: Option<ArchOp>) -> bool {
    if vuln_arch.is_empty() {
        return true;
    }
    if package_arch.is_empty() {
        return false;
    }
    match op.unwrap_or(ArchOp::Equals) {
        ArchOp::Equals => package_arch == vuln_arch,
        ArchOp::NotEquals => package_arch != vuln_arch,
        ArchOp::PatternMatch => crate::pattern::Pattern::parse(vuln_arch)
            .map(|p| p.is_match(package_arch))
            // A pattern beyond the supported subset: report rather than hide.
            .unwrap_or(true),
    }
}

/// What the rpm rule looks at in a vulnerability.
#[derive(Debug, Clone, Copy)]
pub struct RpmVulnerability<'a> {
    pub fixed_in_version: &'a str,
    /// The vulnerable package's own version, if the feed names one.
    pub package_version: &'a str,
    pub arch: &'a str,
    pub arch_op: Option<ArchOp>,
}

/// The rpm rule: the package version must have a release (`[E:]V-R`); affected iff
/// below the fixed version, else at most the vulnerable package version, else
/// (neither given) always — and the arch test passes.
pub fn rpm_rule<V>(
    package_version: &str,
    package_arch: &str,
    vuln: RpmVulnerability<'_>,
) -> Result<bool, BadVersion>
where
    V: Ord + FromStr<Err = VersionError>,
{
    if !package_version.contains('-') {
        return Err(BadVersion {
            side: Side::Package,
            error: VersionError::new("rpm", package_version, "no '-release'"),
        });
    }
    let version: V = parse(Side::Package, package_version)?;
    let in_range = if !vuln.fixed_in_version.is_empty() {
        version < parse::<V>(Side::Vulnerability, vuln.fixed_in_version)?
    } else if !vuln.package_version.is_empty() {
        version <= parse::<V>(Side::Vulnerability, vuln.package_version)?
    } else {
        true
    };
    Ok(in_range && arch_matches(package_arch, vuln.arch, vuln.arch_op))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::{Dpkg, Pep440, Rpm, Semver};

    #[test]
    fn fixed_version_rule() {
        let debian = |p, f| fixed_version::<Dpkg>(p, f, ZeroFixed::NotAffected);
        assert_eq!(debian("1.0-1", ""), Ok(true));
        assert_eq!(debian("1.0-1", "0"), Ok(false));
        assert_eq!(debian("1.0-1", "1.0-2"), Ok(true));
        assert_eq!(debian("1.0-2", "1.0-2"), Ok(false));
        assert_eq!(debian("1:0.9", "1.0-2"), Ok(false));
        let bad = debian("1.0-1", "1.0 2").unwrap_err();
        assert_eq!(bad.side, Side::Vulnerability);
        assert_eq!(bad.error.input(), "1.0 2");
        assert_eq!(debian("", "1.0").unwrap_err().side, Side::Package);

        let ubuntu = |p, f| fixed_version::<Dpkg>(p, f, ZeroFixed::Affected);
        assert_eq!(ubuntu("1.0-1", "0"), Ok(true));
        assert_eq!(ubuntu("1.0-1", "0:0"), Ok(true));
        assert_eq!(ubuntu("1.0-1", "0.9"), Ok(false));
    }

    #[test]
    fn decodes_osv_queries() {
        let b = OsvBounds::decode("introduced=1.0&fixed=1.4%2B1&fixed=9&x=y");
        assert_eq!(b.introduced.as_deref(), Some("1.0"));
        assert_eq!(b.fixed.as_deref(), Some("1.4+1"));
        assert_eq!(b.last_affected, None);
        let b = OsvBounds::decode("introduced=0&lastAffected=2.0+rc1");
        assert_eq!(b.last_affected.as_deref(), Some("2.0 rc1"));
        assert_eq!(OsvBounds::decode("1.4"), OsvBounds::default());
        assert_eq!(percent_decode("a%zzb%4"), "a%zzb%4");
    }

    #[test]
    fn osv_rule() {
        let osv = osv_range::<Pep440>;
        assert_eq!(osv("1.0", ""), Ok(true));
        assert_eq!(osv("1.0", "introduced=0&fixed=1.4"), Ok(true));
        assert_eq!(osv("1.4", "introduced=0&fixed=1.4"), Ok(false));
        assert_eq!(osv("0.9", "introduced=1.0&fixed=1.4"), Ok(false));
        assert_eq!(osv("2.0", "introduced=1.0&lastAffected=2.0"), Ok(true));
        assert_eq!(osv("2.0.1", "introduced=1.0&lastAffected=2.0"), Ok(false));
        assert_eq!(osv("5", "introduced=1.0"), Ok(true));
        assert_eq!(
            osv_range::<Semver>("0.1.0", "introduced=0&fixed=1.0.0"),
            Ok(true)
        );
        assert_eq!(
            osv("not a version", "fixed=1").unwrap_err().side,
            Side::Package
        );
        assert_eq!(osv("1", "fixed=%%").unwrap_err().side, Side::Vulnerability);
    }

    #[test]
    fn rpm_rule_and_arch() {
        let vuln = |fixed, version, arch, op| RpmVulnerability {
            fixed_in_version: fixed,
            package_version: version,
            arch,
            arch_op: op,
        };
        let rpm = |v, a, vuln| rpm_rule::<Rpm>(v, a, vuln);
        assert_eq!(
            rpm("1.0-1.el9", "x86_64", vuln("1.0-2.el9", "", "", None)),
            Ok(true)
        );
        assert_eq!(
            rpm("1.0-2.el9", "x86_64", vuln("1.0-2.el9", "", "", None)),
            Ok(false)
        );
        assert_eq!(
            rpm("1:1.0-1", "x86_64", vuln("1.0-2", "", "", None)),
            Ok(false)
        );
        assert_eq!(
            rpm("1.0-1", "x86_64", vuln("", "1.0-1", "", None)),
            Ok(true)
        );
        assert_eq!(
            rpm("1.0-2", "x86_64", vuln("", "1.0-1", "", None)),
            Ok(false)
        );
        assert_eq!(rpm("1.0-2", "x86_64", vuln("", "", "", None)), Ok(true));
        assert_eq!(
            rpm("1.0", "x86_64", vuln("2-1", "", "", None))
                .unwrap_err()
                .side,
            Side::Package
        );

        let op = Some(ArchOp::PatternMatch);
        assert!(rpm("1-1", "x86_64", vuln("2-1", "", "aarch64|x86_64", op)).unwrap());
        assert!(!rpm("1-1", "s390x", vuln("2-1", "", "aarch64|x86_64", op)).unwrap());
        assert!(!rpm("1-1", "", vuln("2-1", "", "x86_64", None)).unwrap());
        assert!(
            rpm(
                "1-1",
                "i686",
                vuln("2-1", "", "x86_64", Some(ArchOp::NotEquals))
            )
            .unwrap()
        );
        assert!(
            !rpm(
                "1-1",
                "i686",
                vuln("2-1", "", "x86_64", Some(ArchOp::Equals))
            )
            .unwrap()
        );
    }
}
