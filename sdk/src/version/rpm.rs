//! RPM versions: `[epoch:]version[-release]`, each part ordered by rpm's
//! `rpmvercmp` segment comparison.

use super::digits::{cmp_digits, digit_run};
use super::{VersionError, order_by_cmp};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// An RPM epoch-version-release.
#[derive(Debug, Clone)]
pub struct Rpm {
    text: String,
    epoch: Option<u32>,
    version: String,
    release: Option<String>,
}

impl Rpm {
    /// Parses `[epoch:]version[-release]`; the release is the text after the last `-`
    /// and may be absent.
    ///
    /// Rejected: an empty version or release, a non-numeric epoch, whitespace or
    /// control characters, and `:` or `-` inside the version.
    pub fn parse(text: &str) -> Result<Rpm, VersionError> {
        let err = |reason: &str| VersionError::new("rpm", text, reason);
        if text.is_empty() {
            return Err(err("empty version"));
        }
        if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(&format!("character {c:?} not allowed")));
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((epoch, rest)) => (Some(parse_epoch(epoch).map_err(err)?), rest),
            None => (None, text),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((version, release)) => (version, Some(release)),
            None => (rest, None),
        };
        if version.is_empty() {
            return Err(err("empty version part"));
        }
        if version.contains(['-', ':']) {
            return Err(err("version part contains '-' or ':'"));
        }
        if release.is_some_and(|r| r.is_empty() || r.contains(':')) {
            return Err(err("empty release after '-' or ':' in release"));
        }
        Ok(Rpm {
            text: text.to_owned(),
            epoch,
            version: version.to_owned(),
            release: release.map(str::to_owned),
        })
    }

    /// Parses `[epoch:]version-release`, the form of an installed package's EVR;
    /// unlike [`Rpm::parse`] the release is required.
    pub fn parse_evr(text: &str) -> Result<Rpm, VersionError> {
        let evr = Rpm::parse(text)?;
        if evr.release.is_none() {
            return Err(VersionError::new("rpm", text, "no '-release'"));
        }
        Ok(evr)
    }

    /// Builds an EVR from its parts (as an rpm header stores them); prints as
    /// `[E:]V[-R]`.
    pub fn from_parts(
        epoch: Option<u32>,
        version: &str,
        release: Option<&str>,
    ) -> Result<Rpm, VersionError> {
        let mut text = String::new();
        if let Some(epoch) = epoch {
            text.push_str(&format!("{epoch}:"));
        }
        text.push_str(version);
        if let Some(release) = release {
            text.push('-');
            text.push_str(release);
        }
        let evr = Rpm::parse(&text)?;
        if evr.version != version {
            return Err(VersionError::new("rpm", &text, "version part contains '-'"));
        }
        Ok(evr)
    }

    /// The epoch as written; comparisons treat a missing epoch as 0.
    pub fn epoch(&self) -> Option<u32> {
        self.epoch
    }

    /// The version part.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The release part, if any.
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    /// The text the version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn parse_epoch(epoch: &str) -> Result<u32, &'static str> {
    if epoch.is_empty() || !epoch.bytes().all(|c| c.is_ascii_digit()) {
        return Err("epoch is not a number");
    }
    epoch.parse().map_err(|_| "epoch is too big")
}

/// rpm's `rpmvercmp`: both strings are cut into runs of digits or of letters;
/// everything else separates runs, except `~` (sorts before anything, even the end)
/// and `^` (sorts after the end but before anything else).
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return Ordering::Equal;
    }
    let is_separator = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    loop {
        a = &a[a.iter().take_while(|c| is_separator(c)).count()..];
        b = &b[b.iter().take_while(|c| is_separator(c)).count()..];

        if a.first() == Some(&b'~') || b.first() == Some(&b'~') {
            match (a.first(), b.first()) {
                (Some(b'~'), Some(b'~')) => {}
                (Some(b'~'), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
            (a, b) = (&a[1..], &b[1..]);
            continue;
        }
        if a.first() == Some(&b'^') || b.first() == Some(&b'^') {
            match (a.first(), b.first()) {
                (Some(b'^'), Some(b'^')) => {}
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(b'^'), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
            (a, b) = (&a[1..], &b[1..]);
            continue;
        }
        if a.is_empty() || b.is_empty() {
            // Whichever still has segments is newer.
            return (!a.is_empty()).cmp(&!b.is_empty());
        }

        let numeric = a[0].is_ascii_digit();
        let run = |s: &[u8]| {
            if numeric {
                digit_run(s)
            } else {
                s.iter().take_while(|c| c.is_ascii_alphabetic()).count()
            }
        };
        let (a_len, b_len) = (run(a), run(b));
        if b_len == 0 {
            // Segments of different types: a number is newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let order = if numeric {
            cmp_digits(&a[..a_len], &b[..b_len])
        } else {
            a[..a_len].cmp(&b[..b_len])
        };
        if order != Ordering::Equal {
            return order;
        }
        (a, b) = (&a[a_len..], &b[b_len..]);
    }
}

impl Ord for Rpm {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .unwrap_or(0)
            .cmp(&other.epoch.unwrap_or(0))
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                // As rpm's labelCompare: a present release is newer than none.
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

order_by_cmp!(Rpm);

impl fmt::Display for Rpm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Rpm {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rpm::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Rpm {
        Rpm::parse(s).unwrap()
    }

    #[test]
    fn segments() {
        use Ordering::*;
        for (a, b, want) in [
            ("1.0", "1.0", Equal),
            ("1.0", "1.0.1", Less),
            ("1.0~rc1", "1.0", Less),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1.0~rc1^git1", "1.0~rc1", Greater),
            ("1.a", "1.1", Less),
            ("010", "10", Equal),
            ("1.0", "1_0", Equal),
            ("el8", "el8_2", Less),
        ] {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn evr() {
        let e = v("1:3.0.7-18.el9");
        assert_eq!(e.epoch(), Some(1));
        assert_eq!(e.version(), "3.0.7");
        assert_eq!(e.release(), Some("18.el9"));
        assert_eq!(e.to_string(), "1:3.0.7-18.el9");
        assert!(v("1:0.9") > v("2.0"));
        assert!(v("0:1.0-1") == v("1.0-1"));
        assert!(v("1.0-1") > v("1.0"));
        assert!(Rpm::parse_evr("1.0").is_err());
        assert_eq!(
            Rpm::from_parts(Some(2), "1.0", Some("3"))
                .unwrap()
                .to_string(),
            "2:1.0-3"
        );
    }

    #[test]
    fn rejects_invalid() {
        for bad in ["", "1.0-", "-1", "x:1.0", "1:2:3", "1-2-3", "1.0 -1"] {
            assert_eq!(Rpm::parse(bad).unwrap_err().input(), bad);
        }
    }
}
