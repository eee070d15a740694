//! Alpine versions against apk-tools 3, the version comparison current Alpine
//! ships (and judges its secdb `fixed` versions by). Debian ships no apk-tools
//! package to run, so the oracle is this table of facts, written for Scry: every
//! row was checked by running it through apk-tools' own `apk_version_compare` and
//! `apk_version_validate`, built from upstream `src/version.c` at commit
//! 90b974fd8510 (3.0.6 plus 6 commits; version comparison is unchanged since
//! 3.0.0), with no disagreement. 400,000 generated pairs (edited and invalid ones
//! included) were checked against that build the same way.
//!
//! Each row also says what go-apk-version (a port of apk-tools 2, the library
//! Clair uses) answers, and the test asks it: the rows marked [`Differs`] are
//! where Scry orders differently from Clair on purpose.

use crate::apk::{GO_INSTALL, go_apk_oracle};
use crate::harness::{Tally, parse_ordering, run_batch, symbol};
use Apk2::{Differs, Rejects, Same};
use scry_sdk::version::Apk;
use std::cmp::Ordering;

/// What go-apk-version (apk-tools 2) answers for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Apk2 {
    /// The same order.
    Same,
    /// The other order: apk-tools 3 changed it.
    Differs,
    /// Rejects a version: `~hash` is new in apk-tools 3.
    Rejects,
}

/// `(a, order, b, what apk-tools 2 says)`, checked against apk-tools 3.
const ORDERED: &[(&str, &str, &str, Apk2)] = &[
    // A pre-release suffix (alpha, beta, pre, rc) sorts before the release, also
    // after a zero component, which apk-tools 2 got wrong.
    ("6.0_pre1", "<", "6.0", Differs),
    ("6.0_rc1", "<", "6.0", Differs),
    ("6.0_rc1-r0", "<", "6.0-r0", Same),
    ("6.1_pre1", "<", "6.1", Same),
    ("1.0_alpha", "<", "1.0", Differs),
    ("1.0_beta", "<", "1.0", Differs),
    ("1.0_pre", "<", "1.0", Differs),
    ("1.0_rc", "<", "1.0", Differs),
    ("1.1_alpha", "<", "1.1", Same),
    ("1.0_alpha-r0", "<", "1.0-r0", Same),
    ("1.0_rc9-r9", "<", "1.0", Differs),
    // The suffix table: alpha < beta < pre < rc < none < cvs < svn < git < hg < p.
    ("1.0_alpha", "<", "1.0_beta", Same),
    ("1.0_beta", "<", "1.0_pre", Same),
    ("1.0_pre", "<", "1.0_rc", Same),
    ("1.0", "<", "1.0_cvs", Same),
    ("1.0_cvs", "<", "1.0_svn", Same),
    ("1.0_svn", "<", "1.0_git", Same),
    ("1.0_git", "<", "1.0_hg", Same),
    ("1.0_hg", "<", "1.0_p", Same),
    ("1.2_alpha9", "<", "1.2_beta1", Same),
    ("1.2_beta9", "<", "1.2_pre1", Same),
    ("1.2_pre9", "<", "1.2_rc1", Same),
    ("1.2_rc9", "<", "1.2", Same),
    ("1.2", "<", "1.2_cvs1", Same),
    ("1.2_cvs9", "<", "1.2_svn1", Same),
    ("1.2_svn9", "<", "1.2_git1", Same),
    ("1.2_git9", "<", "1.2_hg1", Same),
    ("1.2_hg9", "<", "1.2_p1", Same),
    ("6.0_p1", ">", "6.0", Same),
    // Suffix numbers and several suffixes.
    ("1.0_p1", "<", "1.0.1", Same),
    ("1.0_alpha", "<", "1.0_alpha1", Same),
    ("1.0_alpha0", ">", "1.0_alpha", Same),
    ("1.0_pre2", "<", "1.0_pre10", Same),
    ("1.0_p01", "=", "1.0_p1", Same),
    (
        "1.0.0_pre20191002222144-r0",
        "<",
        "1.0.0_pre20210530193627-r0",
        Same,
    ),
    ("0.1.0_alpha_pre2", "<", "0.1.0_alpha", Same),
    ("1.0_alpha_p", ">", "1.0_alpha", Same),
    ("1.0_p1_pre2", "<", "1.0_p1", Same),
    ("1.0_git20240101_pre1", "<", "1.0_git20240101", Same),
    ("1.0_rc1_p1", "<", "1.0", Differs),
    // apk-tools' quirk: a suffix without a number is newer than one with a number
    // when another suffix follows.
    ("1.0_pre_p", ">", "1.0_pre1_p", Same),
    // A letter after the numbers.
    ("1.0a", ">", "1.0", Same),
    ("1.0a", "<", "1.0b", Same),
    ("1.0z", "<", "1.0.1", Same),
    ("1.0a", ">", "1.0_p1", Same),
    ("1.0a_alpha", "<", "1.0a", Same),
    ("1.0_alpha", "<", "1.0a", Same),
    ("1.0b_alpha", ">", "1.0a", Same),
    // Revisions.
    ("1.0", "<", "1.0-r0", Same),
    ("1.0-r1", "<", "1.0.1", Same),
    ("1.0-r5", "<", "1.0_p1", Same),
    ("1.0-r5", ">", "1.0_rc1", Same),
    ("1.2.3-r10", ">", "1.2.3-r9", Same),
    ("1.0-r01", "=", "1.0-r1", Same),
    // Numbers: the first by value; after a dot by value unless either has a leading
    // zero, then as text.
    ("01.2", "=", "1.2", Same),
    ("010.2", ">", "9.2", Same),
    ("1.0", "<", "1.00", Differs),
    ("1.00", "<", "1.001", Same),
    ("1.001", "<", "1.01", Same),
    ("1.05", "<", "1.5", Same),
    ("1.09", "<", "1.1", Same),
    ("1.010", ">", "1.01", Same),
    ("1.05", ">", "1.010", Differs),
    ("1.0.5", "<", "1.05", Same),
    ("8.2.0", "<", "8.2.001", Differs),
    ("8.2.0015", "<", "8.2.002", Differs),
    ("1.00_alpha", "<", "1.00", Differs),
    ("1.10", ">", "1.9", Same),
    ("1.20230101", ">", "1.9", Same),
    // Numbers of components.
    ("1", "<", "1.0", Same),
    ("1.2", "<", "1.2.1", Same),
    ("1.2.1", "<", "1.3", Same),
    ("1.0", "<", "1.0.0", Same),
    // `~hash` (apk-tools 3 only): text order, between the suffixes and the revision.
    ("1.0~1234", "<", "1.0~2345", Rejects),
    ("1.0~12", "<", "1.0~123", Rejects),
    ("1.0~9", ">", "1.0~10", Rejects),
    ("1.0~a", ">", "1.0~1", Rejects),
    ("1.0~abc", ">", "1.0", Rejects),
    ("1.0~abc", ">", "1.0-r1", Rejects),
    ("1.0~abc", "<", "1.0_p1", Rejects),
    ("1.0_rc1~abc", "<", "1.0", Rejects),
    ("1.0~1234-r1", ">", "1.0~1234-r0", Rejects),
    ("1.0~1234-r1", "<", "1.0~2345-r0", Rejects),
];

/// Versions apk-tools 3 accepts: `number{.number}[letter]{_suffix[number]}[~hash][-rN]`.
const VALID: &[&str] = &[
    "1",
    "1.2.3",
    "01.002",
    "1.2a",
    "1.2a_p1",
    "1.2_p",
    "1.0-r0",
    "1.0a~ab",
    "0.1_pre2~1234abcd-r3",
    "1.0_git2024_pre1",
    "1.0_alpha1_beta2_pre3_rc4_cvs5_svn6_git7_hg8_p9",
];

/// Versions apk-tools 3 rejects.
const INVALID: &[&str] = &[
    "",
    "a1",
    ".1",
    "-r1",
    "_p1",
    "1.",
    "1..2",
    "1a.2",
    "1.0A",
    "1.0 ",
    "1.0+1",
    // At most one letter, and nothing but a suffix, hash or revision after it.
    "1.0bc",
    "1.0a1",
    "1.0a.1",
    // Suffixes: known names only, a number only right after the name.
    "1.0_foo",
    "1.0_",
    "1.0__p",
    "1.0_1",
    "1.0_p1a",
    "1.0_p.1",
    // `-r` and digits, last.
    "1.0-1",
    "1.0-r",
    "1.0-ra",
    "1.0-r1a",
    "1.0-r1-r2",
    "1.0-r1_p1",
    "1.0-r1.1",
    "1.0-r1~ab",
    // `~` and lowercase hex digits, before the revision only.
    "1.0~",
    "1.0~AB",
    "1.0~abg",
    "1.0~ab~cd",
    "1.0~ab_p1",
];

fn ordering(op: &str) -> Ordering {
    match op {
        "<" => Ordering::Less,
        "=" => Ordering::Equal,
        ">" => Ordering::Greater,
        other => panic!("unknown operator {other:?}"),
    }
}

fn parse(s: &str) -> Apk {
    Apk::parse(s).unwrap_or_else(|e| panic!("apk-tools 3 accepts {s:?}, Scry: {e}"))
}

#[test]
fn apk_orders_as_apk_tools_3() {
    let mut tally = Tally::new("apk vs apk-tools 3 facts");
    for &(a, op, b, _) in ORDERED {
        let (x, y) = (parse(a), parse(b));
        let want = ordering(op);
        tally.check(x.cmp(&y) == want && y.cmp(&x) == want.reverse(), || {
            format!("{a} {op} {b} (ours {})", symbol(x.cmp(&y)))
        });
    }
    tally.finish(ORDERED.len());
}

#[test]
fn apk_accepts_what_apk_tools_3_accepts() {
    for &good in VALID {
        assert_eq!(parse(good).as_str(), good);
    }
    for &bad in INVALID {
        let e = Apk::parse(bad).expect_err(bad);
        assert_eq!(e.input(), bad, "the error names the version");
    }
}

/// go-apk-version answers every row as marked, so the rows marked [`Differs`] are
/// exactly where Scry departs from Clair's ordering.
#[test]
fn go_apk_version_differs_only_where_marked() {
    let requests: Vec<String> = ORDERED
        .iter()
        .map(|(a, _, b, _)| format!("{a}\t{b}"))
        .collect();
    let answers = run_batch(go_apk_oracle(), GO_INSTALL, &requests);
    let mut tally = Tally::new("go-apk-version on the apk-tools 3 facts");
    for (&(a, op, b, apk2), answer) in ORDERED.iter().zip(&answers) {
        let theirs = parse_ordering(answer);
        let as_marked = match apk2 {
            Same => theirs == Ok(ordering(op)),
            Differs => theirs.is_ok_and(|o| o != ordering(op)),
            Rejects => theirs.is_err(),
        };
        tally.check(as_marked, || {
            format!("{a} {op} {b} marked {apk2:?}: go-apk-version {answer}")
        });
    }
    tally.finish(ORDERED.len());
    let differing = ORDERED.iter().filter(|row| row.3 == Differs).count();
    eprintln!("apk-tools 3 facts: {differing} ordered differently by go-apk-version");
}
