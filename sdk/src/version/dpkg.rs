//! Debian package versions, ordered as Debian policy §5.6.12 describes and dpkg
//! implements: `[epoch:]upstream[-revision]`.

use super::digits::{cmp_digits, digit_run};
use super::{VersionError, order_by_cmp};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A Debian package version.
#[derive(Debug, Clone)]
pub struct Dpkg {
    text: String,
    epoch: u32,
    // Byte ranges of `text`; the epoch and its colon come before `upstream`.
    upstream: (usize, usize),
    revision: Option<(usize, usize)>,
}

impl Dpkg {
    /// Parses `[epoch:]upstream[-revision]`.
    ///
    /// The epoch is the text before the first `:`, the revision the text after the
    /// last `-`. Rejected: empty parts, a non-numeric epoch or one above `i32::MAX`
    /// (dpkg's limit), whitespace, and characters policy does not allow (upstream:
    /// alphanumerics and `.+~-:`; revision: alphanumerics and `.+~`). An upstream
    /// version that does not start with a digit is accepted, as dpkg does (it only
    /// warns).
    pub fn parse(text: &str) -> Result<Dpkg, VersionError> {
        let err = |reason: &str| VersionError::new("dpkg", text, reason);
        if text.is_empty() {
            return Err(err("empty version"));
        }
        let (epoch, upstream_start) = match text.find(':') {
            Some(colon) => (parse_epoch(&text[..colon]).map_err(err)?, colon + 1),
            None => (0, 0),
        };
        let (upstream, revision) = match text[upstream_start..].rfind('-') {
            Some(dash) => {
                let dash = upstream_start + dash;
                ((upstream_start, dash), Some((dash + 1, text.len())))
            }
            None => ((upstream_start, text.len()), None),
        };
        let upstream_text = &text[upstream.0..upstream.1];
        if upstream_text.is_empty() {
            return Err(err("empty upstream version"));
        }
        if let Some(c) = upstream_text
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || ".+~-:".contains(c)))
        {
            return Err(err(&format!(
                "character {c:?} not allowed in upstream version"
            )));
        }
        if let Some((start, end)) = revision {
            let revision_text = &text[start..end];
            if revision_text.is_empty() {
                return Err(err("empty revision after '-'"));
            }
            if let Some(c) = revision_text
                .chars()
                .find(|&c| !(c.is_ascii_alphanumeric() || ".+~".contains(c)))
            {
                return Err(err(&format!("character {c:?} not allowed in revision")));
            }
        }
        Ok(Dpkg {
            text: text.to_owned(),
            epoch,
            upstream,
            revision,
        })
    }

    /// The epoch; 0 when absent.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The upstream version (between the epoch's `:` and the revision's `-`).
    pub fn upstream(&self) -> &str {
        &self.text[self.upstream.0..self.upstream.1]
    }

    /// The Debian revision, if the version has one.
    pub fn revision(&self) -> Option<&str> {
        self.revision.map(|(start, end)| &self.text[start..end])
    }

    /// The text the version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn parse_epoch(epoch: &str) -> Result<u32, &'static str> {
    if epoch.is_empty() {
        return Err("empty epoch before ':'");
    }
    if !epoch.bytes().all(|c| c.is_ascii_digit()) {
        return Err("epoch is not a number");
    }
    match epoch.parse::<u32>() {
        Ok(n) if n <= i32::MAX as u32 => Ok(n),
        _ => Err("epoch is too big"),
    }
}

/// Policy's comparison of an upstream version or a revision: alternating non-digit
/// runs (compared character by character by [`weight`]) and digit runs (compared
/// numerically).
fn cmp_part(mut a: &[u8], mut b: &[u8]) -> Ordering {
    while !a.is_empty() || !b.is_empty() {
        let a_text = a.iter().take_while(|c| !c.is_ascii_digit()).count();
        let b_text = b.iter().take_while(|c| !c.is_ascii_digit()).count();
        for i in 0..a_text.max(b_text) {
            let order = weight(a[..a_text].get(i)).cmp(&weight(b[..b_text].get(i)));
            if order != Ordering::Equal {
                return order;
            }
        }
        a = &a[a_text..];
        b = &b[b_text..];
        let a_num = digit_run(a);
        let b_num = digit_run(b);
        let order = cmp_digits(&a[..a_num], &b[..b_num]);
        if order != Ordering::Equal {
            return order;
        }
        a = &a[a_num..];
        b = &b[b_num..];
    }
    Ordering::Equal
}

/// `~` sorts before the end of a run, the end before letters, letters before
/// everything else.
fn weight(c: Option<&u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(&c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(&c) => i32::from(c) + 256,
    }
}

impl Ord for Dpkg {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| cmp_part(self.upstream().as_bytes(), other.upstream().as_bytes()))
            .then_with(|| {
                // A missing revision compares like an empty one (and so like "0").
                let a = self.revision().unwrap_or("");
                let b = other.revision().unwrap_or("");
                cmp_part(a.as_bytes(), b.as_bytes())
            })
    }
}

order_by_cmp!(Dpkg);

impl fmt::Display for Dpkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Dpkg {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dpkg::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Dpkg {
        Dpkg::parse(s).unwrap()
    }

    #[test]
    fn splits_parts() {
        let d = v("1:2.30-1-2+deb12u1");
        assert_eq!(d.epoch(), 1);
        assert_eq!(d.upstream(), "2.30-1");
        assert_eq!(d.revision(), Some("2+deb12u1"));
        assert_eq!(d.to_string(), "1:2.30-1-2+deb12u1");
        assert_eq!(v("1.0").revision(), None);
    }

    #[test]
    fn orders_like_policy() {
        assert!(v("1.0~rc1") < v("1.0"));
        assert!(v("1.0~~") < v("1.0~"));
        assert!(v("1.0") < v("1.0a"));
        assert!(v("1.0a") < v("1.0+"));
        assert!(v("1:0.1") > v("9.9"));
        assert!(v("2.36.1-8+deb12u1") > v("2.36.1-8"));
        assert_eq!(v("1.0"), v("1.00"));
        assert_eq!(v("1.0"), v("0:1.0-0"));
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            ":1",
            "a:1",
            "1-",
            "-1",
            "1.0 1",
            "1.0-a_b",
            "99999999999:1",
        ] {
            let e = Dpkg::parse(bad).unwrap_err();
            assert_eq!(e.input(), bad);
            assert!(e.to_string().contains("dpkg"), "{e}");
        }
    }
}
