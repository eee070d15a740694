//! Alpine package versions, ordered as apk-tools orders them:
//! `number{.number}[letter]{_suffix[number]}[-rN]`.
//!
//! apk-tools compares two versions token by token. Each token has a kind, set by
//! what precedes it (a `.`, a letter, `_`, `-r`, ...); while the kinds agree the
//! values decide, and where they first differ the kinds decide (see
//! [`cmp_kinds`]).
//!
//! This follows apk-tools 2 and go-apk-version (the library Clair uses) exactly,
//! quirks included: `1.0` > `1.00`, `1.0.5` < `1.05`, `1.0_pre_p` > `1.0_pre1_p`, and
//! without a revision `1.0` < `1.0_alpha` (with `-r0` on both the order is the
//! expected one; real packages always carry `-rN`).

use super::digits::{Number, digit_run};
use super::{VersionError, order_by_cmp};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// An Alpine (apk) package version.
#[derive(Debug, Clone)]
pub struct Apk {
    text: String,
    tokens: Vec<Token>,
}

/// Token kinds in apk-tools' order: where two versions first differ in kind, the
/// one whose kind comes later is the older (a version that ends is older than one
/// that goes on with `.1`), except for pre-release suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A number after a `.`: a leading zero makes it sort low (see [`Value::Zeros`]).
    DotNumber,
    /// The first number, a number after a letter, or what follows a run of
    /// leading zeros.
    Number,
    Letter,
    Suffix,
    SuffixNumber,
    Revision,
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Number(Number),
    /// A run of n leading zeros after a `.`: sorts below every number, and fewer
    /// zeros sort higher (`1.0` > `1.00`). Unless the version ends there, a
    /// [`Kind::Number`] token follows with the digits after the run.
    Zeros(usize),
    Letter(u8),
    /// Rank in [`PRE_SUFFIXES`] then [`POST_SUFFIXES`], pre-releases negative.
    Suffix(i8),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    value: Value,
}

/// Pre-release suffixes (older than no suffix) and post-release ones, each list in
/// increasing order.
const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

impl Apk {
    /// Parses an apk version: `number{.number}[letter]{_suffix[number]}[-rN]`, where
    /// like apk-tools a letter may also be followed by more digits (`1.2a3`).
    /// Rejected: anything not starting with a digit, empty numbers (`1.`, `1..2`),
    /// two letters in a row, unknown suffixes, `-` not followed by `r` and digits,
    /// and anything after the revision. (apk-tools itself lets some of these
    /// through, such as `1.` and `-r` without digits; real packages never have them.)
    /// The `~hash` of apk-tools 3 is not supported.
    pub fn parse(text: &str) -> Result<Apk, VersionError> {
        let tokens =
            tokenize(text.as_bytes()).map_err(|reason| VersionError::new("apk", text, reason))?;
        Ok(Apk {
            text: text.to_owned(),
            tokens,
        })
    }

    /// The text the version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn tokenize(mut s: &[u8]) -> Result<Vec<Token>, &'static str> {
    let mut tokens = Vec::new();
    let mut kind = Kind::Number;
    let mut push = |kind, value| tokens.push(Token { kind, value });
    // Reads a token of `kind` at the start of `s`, then picks the next kind from
    // the separator that follows, as apk-tools' state machine does.
    loop {
        let n = digit_run(s);
        match kind {
            Kind::DotNumber if n == 0 => return Err("'.' not followed by a number"),
            Kind::DotNumber if s[0] == b'0' => {
                let zeros = s.iter().take_while(|&&c| c == b'0').count();
                push(kind, Value::Zeros(zeros));
                s = &s[zeros..];
                if s.is_empty() {
                    break;
                }
                // apk-tools reads what follows the zeros as a plain number, which
                // may have no digits (worth 0): "1.0.5" is 1, zeros, 0, 5.
                let n = digit_run(s);
                push(Kind::Number, number(&s[..n]));
                s = &s[n..];
                kind = Kind::Number;
            }
            Kind::Number | Kind::DotNumber | Kind::SuffixNumber => {
                if n == 0 {
                    return Err("expected a number");
                }
                push(kind, number(&s[..n]));
                s = &s[n..];
            }
            Kind::Letter => {
                push(kind, Value::Letter(s[0]));
                s = &s[1..];
            }
            Kind::Suffix => {
                let len = s.iter().take_while(|c| c.is_ascii_lowercase()).count();
                let rank = suffix_rank(&s[..len]).ok_or("unknown '_' suffix")?;
                push(kind, Value::Suffix(rank));
                s = &s[len..];
            }
            Kind::Revision => {
                if n == 0 {
                    return Err("'-r' not followed by a number");
                }
                push(kind, number(&s[..n]));
                s = &s[n..];
            }
            Kind::End => unreachable!("no token is read after the end"),
        }
        let Some(&next) = s.first() else { break };
        let numeric = matches!(kind, Kind::Number | Kind::DotNumber);
        (kind, s) = match next {
            b'.' if numeric => (Kind::DotNumber, &s[1..]),
            b'a'..=b'z' if numeric => (Kind::Letter, s),
            b'0'..=b'9' if kind == Kind::Letter => (Kind::Number, s),
            b'0'..=b'9' if kind == Kind::Suffix => (Kind::SuffixNumber, s),
            b'_' if kind < Kind::Revision => (Kind::Suffix, &s[1..]),
            b'-' if kind < Kind::Revision && s.get(1) == Some(&b'r') => (Kind::Revision, &s[2..]),
            _ => {
                return Err(
                    "unexpected character (expected number{.number}[letter]{_suffix[number]}[-rN])",
                );
            }
        };
    }
    Ok(tokens)
}

fn number(digits: &[u8]) -> Value {
    Value::Number(Number::from_digits(digits))
}

fn suffix_rank(name: &[u8]) -> Option<i8> {
    let find = |list: &[&str]| list.iter().position(|s| s.as_bytes() == name);
    if let Some(i) = find(&PRE_SUFFIXES) {
        return Some(i as i8 - PRE_SUFFIXES.len() as i8);
    }
    find(&POST_SUFFIXES).map(|i| i as i8)
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.cmp(b),
        (Value::Zeros(a), Value::Zeros(b)) => b.cmp(a),
        (Value::Zeros(_), _) => Ordering::Less,
        (_, Value::Zeros(_)) => Ordering::Greater,
        (Value::Letter(a), Value::Letter(b)) => a.cmp(b),
        (Value::Suffix(a), Value::Suffix(b)) => a.cmp(b),
        // Tokens of one kind always carry values of one type.
        _ => unreachable!("apk tokens of the same kind with different value types"),
    }
}

/// Where two versions first differ in token kind: a pre-release suffix makes its
/// version older; otherwise the version whose token kind comes later is older.
fn cmp_kinds(a: Option<&Token>, b: Option<&Token>) -> Ordering {
    let is_pre =
        |t: Option<&Token>| matches!(t, Some(Token { value: Value::Suffix(r), .. }) if *r < 0);
    if is_pre(a) {
        return Ordering::Less;
    }
    if is_pre(b) {
        return Ordering::Greater;
    }
    let kind = |t: Option<&Token>| t.map_or(Kind::End, |t| t.kind);
    kind(b).cmp(&kind(a))
}

impl Ord for Apk {
    fn cmp(&self, other: &Self) -> Ordering {
        let mut i = 0;
        loop {
            let (a, b) = (self.tokens.get(i), other.tokens.get(i));
            match (a, b) {
                (None, None) => return Ordering::Equal,
                (Some(x), Some(y)) if x.kind == y.kind => {
                    let order = cmp_values(&x.value, &y.value);
                    if order != Ordering::Equal {
                        return order;
                    }
                }
                _ => return cmp_kinds(a, b),
            }
            i += 1;
        }
    }
}

order_by_cmp!(Apk);

impl fmt::Display for Apk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Apk {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Apk::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Apk {
        Apk::parse(s).unwrap()
    }

    #[test]
    fn orders_like_apk_tools() {
        assert!(v("1.2.3_rc1-r0") < v("1.2.3-r0"));
        assert!(v("1.2.3-r10") > v("1.2.3-r9"));
        assert!(v("1.0_alpha") < v("1.0_beta"));
        assert!(v("1.0_p1") > v("1.0"));
        assert!(v("1.0_p1") < v("1.0.1"));
        assert!(v("1.0a") > v("1.0"));
        assert!(v("1.0a") < v("1.0.1"));
        assert!(v("1.0") > v("1.00"));
        assert!(v("1.05") < v("1.5"));
        assert!(v("1") < v("1.0"));
        assert!(v("0.1.0_alpha_pre2") < v("0.1.0_alpha"));
        assert!(v("1.0.5") < v("1.05"));
        assert!(v("1.0a1") > v("1.0a"));
        assert_eq!(v("01.2"), v("1.2"));
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "", "a1", "1.", "1..2", "1.0bc", "1.0_foo", "1.0-1", "1.0-r", "1.0-r1a", "1a.2",
            "1_p.1",
        ] {
            let e = Apk::parse(bad).unwrap_err();
            assert_eq!(e.input(), bad);
        }
    }
}
