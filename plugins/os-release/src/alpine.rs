//! Alpine Linux. Releases are named by `major.minor` (`3.18`); the rolling branch is
//! `edge`. `version_id` stays empty, as Clair leaves it.

use scry_sdk::osrelease::OsRelease;
use scry_sdk::scanner::Distribution;

use crate::detect::named;

pub fn from_os_release(os: &OsRelease) -> Option<Distribution> {
    if os
        .get("PRETTY_NAME")
        .is_some_and(|p| p.trim().ends_with(" edge"))
    {
        return Some(edge());
    }
    os.non_empty("VERSION_ID").and_then(release_of)
}

/// `etc/issue`: `Welcome to Alpine Linux 3.18` (edge: `… 3.21.0_alpha20240807 (edge)`).
pub fn from_issue(text: &str) -> Option<Distribution> {
    let (_, rest) = text.split_once("Alpine Linux ")?;
    let line = rest.lines().next().unwrap_or_default();
    if line.contains("(edge)") || line.trim_start().starts_with("edge") {
        return Some(edge());
    }
    release_of(line.split_whitespace().next()?)
}

/// `etc/alpine-release`: `3.18.4`; edge snapshots carry an `_alpha` suffix.
pub fn from_alpine_release(text: &str) -> Option<Distribution> {
    let version = text.split_whitespace().next()?;
    if version.contains("_alpha") || version == "edge" {
        return Some(edge());
    }
    release_of(version)
}

/// `3.18.4` → `3.18`: Alpine's security data is per minor release.
fn release_of(version: &str) -> Option<Distribution> {
    let mut parts = version.trim().split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !numeric(major) || !numeric(minor) {
        return None;
    }
    let mut dist = named("alpine", "Alpine Linux");
    dist.version = format!("{major}.{minor}");
    dist.pretty_name = format!("Alpine Linux v{major}.{minor}");
    Some(dist)
}

fn edge() -> Distribution {
    let mut dist = named("alpine", "Alpine Linux");
    dist.version = "edge".to_string();
    dist.pretty_name = "Alpine Linux edge".to_string();
    dist
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_needs_numeric_major_and_minor() {
        assert_eq!(
            release_of("3.18.4").map(|d| d.version),
            Some("3.18".to_string())
        );
        assert_eq!(
            release_of("3.9").map(|d| d.version),
            Some("3.9".to_string())
        );
        assert!(release_of("3").is_none());
        assert!(release_of("v3.18").is_none());
        assert!(release_of("").is_none());
    }

    #[test]
    fn issue_forms() {
        assert_eq!(
            from_issue("Welcome to Alpine Linux 3.3\nKernel \\r on an \\m (\\l)\n")
                .map(|d| d.version),
            Some("3.3".to_string())
        );
        assert_eq!(
            from_issue("Welcome to Alpine Linux 3.21.0_alpha20240807 (edge)\n").map(|d| d.version),
            Some("edge".to_string())
        );
        assert!(from_issue("Debian GNU/Linux 12 \\n \\l\n").is_none());
    }

    #[test]
    fn alpine_release_forms() {
        assert_eq!(
            from_alpine_release("3.18.4\n").map(|d| d.pretty_name),
            Some("Alpine Linux v3.18".to_string())
        );
        assert_eq!(
            from_alpine_release("3.20.0_alpha20231219\n").map(|d| d.version),
            Some("edge".to_string())
        );
        assert!(from_alpine_release("\n").is_none());
    }
}
