//! Semantic versions (SemVer 2.0.0): `MAJOR.MINOR.PATCH[-pre][+build]`, with an
//! optional leading `v`.

use super::digits::{Number, digit_run};
use super::{VersionError, order_by_cmp};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A semantic version.
///
/// Ordering is SemVer precedence, which ignores build metadata: `1.0.0+a` and
/// `1.0.0+b` are equal.
#[derive(Debug, Clone)]
pub struct Semver {
    text: String,
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Identifier>,
    pre_text: Option<String>,
    build: Option<String>,
}

/// A pre-release identifier; numeric ones sort before alphanumeric ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    Numeric(Number),
    Alphanumeric(String),
}

impl Semver {
    /// Parses `[v]MAJOR.MINOR.PATCH[-pre][+build]` as semver.org's grammar defines
    /// it: no leading zeros in numbers or numeric pre-release identifiers, no empty
    /// identifiers, identifiers made of `[0-9A-Za-z-]`. The three core numbers must
    /// fit in a `u64`.
    pub fn parse(text: &str) -> Result<Semver, VersionError> {
        let err = |reason: &str| VersionError::new("semver", text, reason);
        let body = text.strip_prefix('v').unwrap_or(text);
        let (body, build) = match body.split_once('+') {
            Some((body, build)) => (body, Some(build)),
            None => (body, None),
        };
        let (core, pre_text) = match body.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (body, None),
        };

        let mut numbers = core.split('.').map(|part| core_number(part).map_err(err));
        let (Some(major), Some(minor), Some(patch), None) = (
            numbers.next(),
            numbers.next(),
            numbers.next(),
            numbers.next(),
        ) else {
            return Err(err("expected MAJOR.MINOR.PATCH"));
        };
        let (major, minor, patch) = (major?, minor?, patch?);

        let pre = match pre_text {
            Some(pre) => pre
                .split('.')
                .map(|id| pre_identifier(id).map_err(err))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        if build.is_some_and(|b| b.split('.').any(|id| !is_identifier(id))) {
            return Err(err("empty or malformed build identifier"));
        }
        Ok(Semver {
            text: text.to_owned(),
            major,
            minor,
            patch,
            pre,
            pre_text: pre_text.map(str::to_owned),
            build: build.map(str::to_owned),
        })
    }

    pub fn major(&self) -> u64 {
        self.major
    }

    pub fn minor(&self) -> u64 {
        self.minor
    }

    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The pre-release part (after `-`), if any.
    pub fn pre(&self) -> Option<&str> {
        self.pre_text.as_deref()
    }

    /// The build metadata (after `+`), if any.
    pub fn build(&self) -> Option<&str> {
        self.build.as_deref()
    }

    /// The text the version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn is_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

fn core_number(part: &str) -> Result<u64, &'static str> {
    if part.is_empty() || digit_run(part.as_bytes()) != part.len() {
        return Err("MAJOR, MINOR and PATCH must be numbers");
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err("leading zero in MAJOR, MINOR or PATCH");
    }
    part.parse().map_err(|_| "number too large")
}

fn pre_identifier(id: &str) -> Result<Identifier, &'static str> {
    if !is_identifier(id) {
        return Err("empty or malformed pre-release identifier");
    }
    if digit_run(id.as_bytes()) != id.len() {
        return Ok(Identifier::Alphanumeric(id.to_owned()));
    }
    if id.len() > 1 && id.starts_with('0') {
        return Err("leading zero in numeric pre-release identifier");
    }
    Ok(Identifier::Numeric(Number::from_digits(id.as_bytes())))
}

impl Ord for Semver {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                // A pre-release sorts before the release itself.
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

order_by_cmp!(Semver);

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Semver {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Semver::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Semver {
        Semver::parse(s).unwrap()
    }

    #[test]
    fn parses() {
        let s = v("v1.2.3-rc.1+build.5");
        assert_eq!((s.major(), s.minor(), s.patch()), (1, 2, 3));
        assert_eq!(s.pre(), Some("rc.1"));
        assert_eq!(s.build(), Some("build.5"));
        assert_eq!(s.to_string(), "v1.2.3-rc.1+build.5");
        assert_eq!(v("1.0.0-x-y-z.--").pre(), Some("x-y-z.--"));
    }

    #[test]
    fn orders_by_precedence() {
        // The example chain from semver.org item 11.
        let sorted = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for pair in sorted.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0.0+a"), v("v1.0.0+b"));
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3-a..b",
            "1.2.3+",
            "1.2.3+a_b",
            "V1.2.3",
            "1.2.3 ",
            "99999999999999999999.0.0",
        ] {
            assert_eq!(Semver::parse(bad).unwrap_err().input(), bad);
        }
    }
}
