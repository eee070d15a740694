//! RubyGems versions, ordered as `Gem::Version` does.
//!
//! A `-` stands for `.pre.`; the version is cut into runs of digits and runs of
//! letters. Any letter makes a prerelease, which sorts before the release it
//! precedes (`1.0.a < 1.0`). Trailing zeros of the numeric part and of the
//! prerelease part are ignored (`1.0 == 1`, `1.a.0 == 1.a`).

use super::digits::{Number, digit_run};
use super::{VersionError, order_by_cmp};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A RubyGems version.
#[derive(Debug, Clone)]
pub struct Gem {
    text: String,
    /// `Gem::Version#canonical_segments`.
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Number(Number),
    Letters(String),
}

impl Gem {
    /// Parses what `Gem::Version.correct?` accepts:
    /// `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`, with surrounding
    /// whitespace. A blank string (which RubyGems reads as `0`) is rejected.
    pub fn parse(text: &str) -> Result<Gem, VersionError> {
        let err = |reason: &str| VersionError::new("gem", text, reason);
        // Ruby's \s: space, \t, \n, \v, \f, \r.
        let body = text.trim_matches(|c: char| " \t\n\x0b\x0c\r".contains(c));
        if body.is_empty() {
            return Err(err("empty version"));
        }
        let (release, pre) = match body.split_once('-') {
            Some((release, pre)) => (release, Some(pre)),
            None => (body, None),
        };
        let mut parts = release.split('.');
        let first = parts.next().unwrap_or("");
        if first.is_empty() || digit_run(first.as_bytes()) != first.len() {
            return Err(err("must start with a number"));
        }
        if parts.any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_alphanumeric())) {
            return Err(err("empty or non-alphanumeric segment"));
        }
        if let Some(pre) = pre
            && pre
                .split('.')
                .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
        {
            return Err(err("empty or invalid prerelease segment"));
        }
        Ok(Gem {
            text: text.to_owned(),
            segments: canonical_segments(&body.replace('-', ".pre.")),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the version has letters (RubyGems' `prerelease?`).
    pub fn is_prerelease(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Letters(_)))
    }
}

/// Digit and letter runs (other characters separate them), with trailing zeros cut
/// from the numeric part (before the first letters) and from the rest.
fn canonical_segments(version: &str) -> Vec<Segment> {
    let bytes = version.as_bytes();
    let mut all = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let run = if bytes[i].is_ascii_digit() {
            digit_run(&bytes[i..])
        } else {
            bytes[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count()
        };
        if run == 0 {
            i += 1;
            continue;
        }
        let token = &version[i..i + run];
        all.push(if bytes[i].is_ascii_digit() {
            Segment::Number(Number::from_digits(token.as_bytes()))
        } else {
            Segment::Letters(token.to_owned())
        });
        i += run;
    }
    let split = all
        .iter()
        .position(|s| matches!(s, Segment::Letters(_)))
        .unwrap_or(all.len());
    let mut prerelease = all.split_off(split);
    drop_trailing_zeros(&mut all);
    drop_trailing_zeros(&mut prerelease);
    all.extend(prerelease);
    all
}

fn drop_trailing_zeros(segments: &mut Vec<Segment>) {
    while matches!(segments.last(), Some(Segment::Number(n)) if n.is_zero()) {
        segments.pop();
    }
}

impl Ord for Gem {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Number(Number::from_digits(b"0"));
        for i in 0..self.segments.len().max(other.segments.len()) {
            let a = self.segments.get(i).unwrap_or(&zero);
            let b = other.segments.get(i).unwrap_or(&zero);
            let order = match (a, b) {
                (Segment::Number(x), Segment::Number(y)) => x.cmp(y),
                (Segment::Letters(x), Segment::Letters(y)) => x.as_bytes().cmp(y.as_bytes()),
                (Segment::Letters(_), Segment::Number(_)) => Ordering::Less,
                (Segment::Number(_), Segment::Letters(_)) => Ordering::Greater,
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}
order_by_cmp!(Gem);

impl fmt::Display for Gem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Gem {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gem::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Gem {
        Gem::parse(s).unwrap()
    }

    #[test]
    fn orders_like_rubygems() {
        let sorted = [
            "0.9", "1.0.a", "1.0.a.1", "1.0.b1", "1.0-rc1", "1.0", "1.0.1", "1.1", "1.10", "2",
        ];
        for pair in sorted.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0"), v("1"));
        assert_eq!(v("1.a.0"), v("1.a"));
        assert_eq!(v("1-alpha"), v("1.pre.alpha"));
        assert!(v("1.0.a").is_prerelease() && !v("1.0").is_prerelease());
    }

    #[test]
    fn validity() {
        for ok in ["1", " 1.0 ", "1-alpha", "1.0.0.1", "1.a", "1-a-b.c", "1--a"] {
            assert!(Gem::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", " ", "1.", "beta", "1..0", "1.0-", "1_0", "1.0-a..b", ".1",
        ] {
            assert!(Gem::parse(bad).is_err(), "{bad}");
        }
    }
}
