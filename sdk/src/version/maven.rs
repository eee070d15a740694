//! Maven versions, ordered as Maven's `ComparableVersion` (maven-artifact 3.8) does.
//!
//! A version is split into a tree of items: numbers, qualifiers and sub-lists. A `-`,
//! and every change between digits and letters, opens a sub-list; `.` separates items
//! within one list. Trailing "null" items (`0`, the empty qualifier, empty lists) are
//! dropped, so `1.0 == 1` and `1.ga == 1`. Qualifiers order as
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`,
//! then any other qualifier, alphabetically.

use super::digits::Number;
use super::{VersionError, order_by_cmp};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A Maven version. Every non-empty string is one (Maven itself accepts anything).
#[derive(Debug, Clone)]
pub struct Maven {
    text: String,
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
enum Item {
    Number(Number),
    Qualifier(String),
    List(Vec<Item>),
}

/// Known qualifiers, lowest first; `""` is the release itself.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

impl Maven {
    /// Parses any non-empty string, case-insensitively.
    pub fn parse(text: &str) -> Result<Maven, VersionError> {
        if text.is_empty() {
            return Err(VersionError::new("maven", text, "empty version"));
        }
        Ok(Maven {
            text: text.to_owned(),
            items: parse_items(&text.to_lowercase()),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Builds the item tree. Each new list is appended to the current one and becomes
/// current, so the tree is a chain: every list but the last ends with the next.
fn parse_items(text: &str) -> Vec<Item> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut chain: Vec<Vec<Item>> = vec![Vec::new()];
    let mut start = 0; // byte offset where the current token starts
    let mut in_digits = false;
    let token = |from: usize, to: usize, digits: bool| -> Item {
        if digits {
            Item::Number(Number::from_digits(&text.as_bytes()[from..to]))
        } else {
            Item::Qualifier(qualifier(&text[from..to], false))
        }
    };
    for &(i, c) in &chars {
        let current = chain.len() - 1;
        match c {
            '.' | '-' => {
                let item = if i == start {
                    Item::Number(Number::from_digits(b"0"))
                } else {
                    token(start, i, in_digits)
                };
                chain[current].push(item);
                start = i + 1;
                if c == '-' {
                    chain.push(Vec::new());
                }
            }
            _ if c.is_ascii_digit() => {
                if !in_digits && i > start {
                    // A qualifier followed by a number (`1.0.x1`) is read as `1.0-x-1`.
                    if !chain[current].is_empty() {
                        chain.push(Vec::new());
                    }
                    let last = chain.len() - 1;
                    chain[last].push(Item::Qualifier(qualifier(&text[start..i], true)));
                    chain.push(Vec::new());
                    start = i;
                }
                in_digits = true;
            }
            _ => {
                if in_digits && i > start {
                    chain[current].push(token(start, i, true));
                    chain.push(Vec::new());
                    start = i;
                }
                in_digits = false;
            }
        }
    }
    if text.len() > start {
        if !in_digits && !chain[chain.len() - 1].is_empty() {
            chain.push(Vec::new());
        }
        let last = chain.len() - 1;
        chain[last].push(token(start, text.len(), in_digits));
    }
    // Fold the chain from the innermost list out, normalizing each list as Maven
    // does once parsing ends.
    let mut inner: Option<Vec<Item>> = None;
    for mut list in chain.into_iter().rev() {
        if let Some(child) = inner.take() {
            list.push(Item::List(child));
        }
        normalize(&mut list);
        inner = Some(list);
    }
    inner.unwrap_or_default()
}

/// A qualifier's canonical spelling: one-letter abbreviations (only before a number)
/// and aliases of known qualifiers.
fn qualifier(text: &str, followed_by_digit: bool) -> String {
    let text = match (followed_by_digit, text) {
        (true, "a") => "alpha",
        (true, "b") => "beta",
        (true, "m") => "milestone",
        (_, "ga" | "final" | "release") => "",
        (_, "cr") => "rc",
        (_, other) => other,
    };
    text.to_owned()
}

/// Drops trailing null items; a non-empty list at the end is stepped over, so
/// `1.0.0-x` keeps the list but loses the zeros before it.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Number(n) => n.is_zero(),
            Item::Qualifier(q) => q.is_empty(),
            Item::List(l) => l.is_empty(),
        }
    }

    /// Maven's `Item.compareTo`; `None` is a missing item (the shorter list's end).
    fn compare(&self, other: Option<&Item>) -> Ordering {
        use Item::*;
        match (self, other) {
            (Number(n), None) if n.is_zero() => Ordering::Equal,
            (Number(_), None) => Ordering::Greater,
            (Number(a), Some(Number(b))) => a.cmp(b),
            (Number(_), Some(_)) => Ordering::Greater,
            (Qualifier(q), None) => qualifier_rank(q).cmp(&qualifier_rank("")),
            (Qualifier(a), Some(Qualifier(b))) => qualifier_rank(a).cmp(&qualifier_rank(b)),
            (Qualifier(_), Some(_)) => Ordering::Less,
            // Every item against nothing, not only the first (Maven's MNG-6964).
            (List(l), None) => l
                .iter()
                .map(|x| x.compare(None))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal),
            (List(_), Some(Number(_))) => Ordering::Less,
            (List(_), Some(Qualifier(_))) => Ordering::Greater,
            (List(a), Some(List(b))) => compare_lists(a, b),
        }
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let order = match (a.get(i), b.get(i)) {
            (Some(x), y) => x.compare(y),
            (None, Some(y)) => y.compare(None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// Known qualifiers by position; unknown ones after all of them, alphabetically.
fn qualifier_rank(q: &str) -> (usize, &str) {
    match QUALIFIERS.iter().position(|known| *known == q) {
        Some(i) => (i, ""),
        None => (QUALIFIERS.len(), q),
    }
}

impl Ord for Maven {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
    }
}
order_by_cmp!(Maven);

impl fmt::Display for Maven {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Maven {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Maven::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Maven {
        Maven::parse(s).unwrap()
    }

    #[test]
    fn trailing_nulls_are_equal() {
        for (a, b) in [
            ("1", "1.0"),
            ("1", "1.0.0"),
            ("1.ga", "1"),
            ("1-final", "1"),
            ("1.0.release", "1"),
            ("1-cr1", "1-rc1"),
            ("1a1", "1-alpha-1"),
            ("1.0.0.x1", "1-x-1"),
            ("1.0-1", "1-1"),
            ("1-SNAPSHOT", "1-snapshot"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
    }

    #[test]
    fn orders_qualifiers() {
        let sorted = [
            "1-alpha-1",
            "1-alpha-2",
            "1-beta-1",
            "1-milestone-1",
            "1-rc-1",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.1",
            "1.1.1",
            "2",
            "10",
        ];
        for pair in sorted.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn numbers_of_any_size() {
        assert!(v("1.123456789012345678901") > v("1.99999999999"));
        assert_eq!(v("1.007"), v("1.7"));
    }

    #[test]
    fn rejects_only_empty() {
        assert!(Maven::parse("").is_err());
        assert_eq!(v("anything goes!").to_string(), "anything goes!");
    }
}
