//! Alpine package versions, ordered as apk-tools 3 (current Alpine's, by which its
//! secdb `fixed` versions are judged) orders them:
//! `number{.number}[letter]{_suffix[number]}[~hash][-rN]`.
//!
//! apk-tools compares two versions token by token. Each token has a kind, set by
//! what precedes it (a `.`, a letter, `_`, `~`, `-r`, ...); while the kinds agree
//! the values decide, and where they first differ the kinds decide (see
//! [`cmp_kinds`]): a pre-release suffix is older than anything else (`6.0_pre1` <
//! `6.0` < `6.0-r0` < `6.0_p1` < `6.0a` < `6.0.1`).
//!
//! Quirks kept because apk-tools has them: a number after a `.` that has a leading
//! zero (on either side) compares as text, so `1.0` < `1.00`, `1.05` < `1.5` and
//! `1.05` > `1.010`; `1.0_pre_p` > `1.0_pre1_p`; `1.0_alpha0` > `1.0_alpha`.
//! Not kept: apk-tools holds numbers in 64 bits, wrapping past 20 digits; Scry
//! compares numbers of any length by value.
//!
//! apk-tools 2 and go-apk-version (Clair's) differ: they order `1.0_alpha` after
//! `1.0` and `1.0` after `1.00`, accept a number after the letter (`1.2a3`), and
//! reject `~hash`.

use super::digits::{Number, cmp_digits, digit_run};
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
    /// The first number: always compared by value (`01.2` = `1.2`).
    First,
    /// A number after a `.`.
    Dotted,
    Letter,
    Suffix,
    SuffixNumber,
    /// `~` and lowercase hex digits, compared as text.
    Hash,
    Revision,
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Number(Number),
    /// The digits of a [`Kind::Dotted`] number, leading zeros kept: they decide
    /// whether it compares by value or as text (see [`cmp_dotted`]).
    Digits(Vec<u8>),
    Letter(u8),
    /// Rank in [`PRE_SUFFIXES`] then [`POST_SUFFIXES`], pre-releases negative.
    Suffix(i8),
    Hash(Vec<u8>),
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
    /// Parses an apk version: `number{.number}[letter]{_suffix[number]}[~hash][-rN]`,
    /// rejecting what apk-tools 3 rejects: anything not starting with a digit,
    /// empty numbers (`1.`, `1..2`, `-r`), a letter followed by anything but `_`,
    /// `~`, `-r` or the end (`1.0bc`, `1.0a1`), unknown or empty suffixes, a `~`
    /// without lowercase hex digits, `-` not followed by `r`, and anything after the
    /// revision.
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
    let n = digit_run(s);
    if n == 0 {
        return Err("must start with a number");
    }
    let mut tokens = vec![Token {
        kind: Kind::First,
        value: number(&s[..n]),
    }];
    s = &s[n..];
    // As apk-tools' lexer: the character after a token picks the next token's
    // kind, and the previous kind decides whether that kind may come next.
    while let Some(&next) = s.first() {
        let after = tokens.last().map_or(Kind::First, |t| t.kind);
        let (kind, value, len) = match next {
            b'.' if after <= Kind::Dotted => {
                let n = digit_run(&s[1..]);
                if n == 0 {
                    return Err("'.' not followed by a number");
                }
                (Kind::Dotted, Value::Digits(s[1..1 + n].to_vec()), 1 + n)
            }
            b'a'..=b'z' if after <= Kind::Dotted => (Kind::Letter, Value::Letter(next), 1),
            b'0'..=b'9' if after == Kind::Suffix => {
                let n = digit_run(s);
                (Kind::SuffixNumber, number(&s[..n]), n)
            }
            b'_' if after <= Kind::SuffixNumber => {
                let len = s[1..].iter().take_while(|c| c.is_ascii_lowercase()).count();
                let rank = suffix_rank(&s[1..1 + len]).ok_or("unknown '_' suffix")?;
                (Kind::Suffix, Value::Suffix(rank), 1 + len)
            }
            b'~' if after < Kind::Hash => {
                let len = s[1..].iter().take_while(|c| is_hash_digit(**c)).count();
                if len == 0 {
                    return Err("'~' not followed by a lowercase hex commit hash");
                }
                (Kind::Hash, Value::Hash(s[1..1 + len].to_vec()), 1 + len)
            }
            b'-' if after < Kind::Revision && s.get(1) == Some(&b'r') => {
                let n = digit_run(&s[2..]);
                if n == 0 {
                    return Err("'-r' not followed by a number");
                }
                (Kind::Revision, number(&s[2..2 + n]), 2 + n)
            }
            _ => {
                return Err(
                    "unexpected character (expected number{.number}[letter]{_suffix[number]}[~hash][-rN])",
                );
            }
        };
        tokens.push(Token { kind, value });
        s = &s[len..];
    }
    Ok(tokens)
}

fn number(digits: &[u8]) -> Value {
    Value::Number(Number::from_digits(digits))
}

fn is_hash_digit(c: u8) -> bool {
    c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
}

fn suffix_rank(name: &[u8]) -> Option<i8> {
    let find = |list: &[&str]| list.iter().position(|s| s.as_bytes() == name);
    if let Some(i) = find(&PRE_SUFFIXES) {
        return Some(i as i8 - PRE_SUFFIXES.len() as i8);
    }
    find(&POST_SUFFIXES).map(|i| i as i8)
}

/// Numbers after a `.` compare by value unless either has a leading zero; then,
/// like Gentoo, as text (byte by byte, a prefix first): `1.09` < `1.1`, `1.0` <
/// `1.00` < `1.001` < `1.01`.
fn cmp_dotted(a: &[u8], b: &[u8]) -> Ordering {
    if a.first() == Some(&b'0') || b.first() == Some(&b'0') {
        a.cmp(b)
    } else {
        cmp_digits(a, b)
    }
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.cmp(b),
        (Value::Digits(a), Value::Digits(b)) => cmp_dotted(a, b),
        (Value::Letter(a), Value::Letter(b)) => a.cmp(b),
        (Value::Suffix(a), Value::Suffix(b)) => a.cmp(b),
        (Value::Hash(a), Value::Hash(b)) => a.cmp(b),
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
        assert!(v("6.0_pre1") < v("6.0"));
        assert!(v("1.0_alpha") < v("1.0"));
        assert!(v("1.0_rc1-r0") < v("1.0-r0"));
        assert!(v("1.2.3-r10") > v("1.2.3-r9"));
        assert!(v("1.0_alpha") < v("1.0_beta"));
        assert!(v("1.0_p1") > v("1.0"));
        assert!(v("1.0_p1") < v("1.0.1"));
        assert!(v("1.0a") > v("1.0_p1"));
        assert!(v("1.0a") < v("1.0.1"));
        assert!(v("1.0") < v("1.00"));
        assert!(v("1.05") < v("1.5"));
        assert!(v("1.05") > v("1.010"));
        assert!(v("1.10") > v("1.9"));
        assert!(v("1") < v("1.0"));
        assert!(v("0.1.0_alpha_pre2") < v("0.1.0_alpha"));
        assert!(v("1.0~12") < v("1.0~123"));
        assert!(v("1.0~9") > v("1.0~10"));
        assert!(v("1.0~ab") > v("1.0-r1"));
        assert_eq!(v("01.2"), v("1.2"));
        assert_eq!(v("1.2_p01-r01"), v("1.2_p1-r1"));
    }

    /// The full table of valid and invalid versions is in the oracle tests
    /// (`apk_tools3.rs`); these are the parser's error paths.
    #[test]
    fn rejects_invalid() {
        for (bad, reason) in [
            ("", "must start"),
            ("1..2", "'.' not followed"),
            ("1.0a1", "unexpected character"),
            ("1.0_foo", "unknown '_' suffix"),
            ("1.0~AB", "'~' not followed"),
            ("1.0-r", "'-r' not followed"),
            ("1.0-r1~ab", "unexpected character"),
        ] {
            let e = Apk::parse(bad).unwrap_err();
            assert_eq!(e.input(), bad);
            assert!(e.to_string().contains(reason), "{bad}: {e}");
        }
    }
}
