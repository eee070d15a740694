//! Numeric comparison of ASCII digit strings of any length.
//!
//! Version components can be longer than any machine integer (dates, hashes made of
//! digits), so they are compared as text: without leading zeros, the longer is larger.

use std::cmp::Ordering;

/// Compares two runs of ASCII digits by numeric value; empty counts as zero.
pub(crate) fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let a = trim_zeros(a);
    let b = trim_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The digits without leading zeros (empty for zero).
pub(crate) fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|&c| c != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

/// A non-negative integer of any size, kept as canonical decimal text (no leading
/// zeros; `"0"` for zero) so that the derived text order plus length is numeric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Number(String);

impl Number {
    /// From a run of ASCII digits (empty means zero).
    pub(crate) fn from_digits(digits: &[u8]) -> Number {
        let digits = trim_zeros(digits);
        if digits.is_empty() {
            return Number("0".to_owned());
        }
        Number(String::from_utf8_lossy(digits).into_owned())
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == "0"
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The length of the leading run of ASCII digits.
pub(crate) fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_by_value() {
        assert_eq!(cmp_digits(b"10", b"9"), Ordering::Greater);
        assert_eq!(cmp_digits(b"007", b"7"), Ordering::Equal);
        assert_eq!(cmp_digits(b"", b"0"), Ordering::Equal);
        assert_eq!(
            cmp_digits(b"123456789012345678901234567890", b"99"),
            Ordering::Greater
        );
        assert_eq!(Number::from_digits(b"000").as_str(), "0");
        assert!(Number::from_digits(b"010") > Number::from_digits(b"9"));
    }
}
