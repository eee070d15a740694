//! Clair's normalized `semver` versions (spec 7.5): `semver:<epoch>.<major>.<minor>.<patch>.0.0.0.0.0.0`.

/// `+∞`: V0 (the epoch slot) at 65535.
pub const INFINITY: &str = "semver:65535.0.0.0.0.0.0.0.0.0";
/// `−∞`: all zeros (what OSV's `introduced: "0"` means).
pub const ZERO: &str = "semver:0.0.0.0.0.0.0.0.0.0";

/// Major, minor and patch of a SemVer string (a leading `v` allowed, missing parts 0).
/// Pre-release and build suffixes are dropped: ten integers cannot order them.
pub fn parse(version: &str) -> Option<[i32; 3]> {
    let version = version.strip_prefix('v').unwrap_or(version);
    let core = version.split(['+', '-']).next()?;
    let mut parts = [0i32; 3];
    for (index, part) in core.split('.').enumerate() {
        if index == 3 || part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        parts[index] = part.parse().ok()?;
    }
    Some(parts)
}

/// The normalized text form of a major/minor/patch triple.
pub fn format([major, minor, patch]: [i32; 3]) -> String {
    format!("semver:0.{major}.{minor}.{patch}.0.0.0.0.0.0")
}

/// The exclusive upper bound just above `last_affected`: its next patch.
pub fn after(version: &str) -> Option<String> {
    let [major, minor, patch] = parse(version)?;
    Some(format([major, minor, patch.checked_add(1)?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse("1.12.9"), Some([1, 12, 9]));
        assert_eq!(parse("v2.0.3"), Some([2, 0, 3]));
        assert_eq!(parse("1.2"), Some([1, 2, 0]));
        assert_eq!(parse("1.0.0-rc.1+build"), Some([1, 0, 0]));
        assert_eq!(parse("1.2.3.4"), None);
        assert_eq!(parse("1.x"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("99999999999"), None);
        assert_eq!(format([1, 12, 9]), "semver:0.1.12.9.0.0.0.0.0.0");
        assert_eq!(after("1.4.2").unwrap(), "semver:0.1.4.3.0.0.0.0.0.0");
    }
}
