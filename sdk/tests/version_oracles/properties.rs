//! Oracle-free checks on arbitrary strings: parsing never panics, and each
//! ordering is a total order (antisymmetric, transitive) that prints the input back.

use crate::harness::Rng;
use scry_sdk::version::{Apk, Dpkg, Pep440, Rpm, Semver, VersionError};
use std::cmp::Ordering;
use std::fmt::Display;

const PIECES: &[&str] = &[
    "0", "1", "2", "10", "01", ".", ".", "-", "_", "+", "~", "^", ":", "!", "a", "b", "rc",
    "alpha", "p", "r", "post", "dev", "v", "Z", " ", "é", "\u{0}", "-r", "_p", "x",
];

/// Beginnings that make valid versions likelier (semver needs two dots).
const STARTS: &[&str] = &["", "", "1", "1.0", "1:2.0", "1.0.0", "v1.2.3", "0.0.1-"];

fn random_string(rng: &mut Rng) -> String {
    let tail: String = (0..rng.below(7)).map(|_| rng.pick(PIECES)).collect();
    format!("{}{tail}", rng.pick(STARTS))
}

fn check_scheme<V: Ord + Display>(name: &str, parse: fn(&str) -> Result<V, VersionError>) {
    let mut rng = Rng::new(0x0bad_cafe);
    let mut valid = Vec::new();
    for _ in 0..30_000 {
        let s = random_string(&mut rng);
        match parse(&s) {
            Ok(v) => {
                assert_eq!(v.to_string(), s, "{name}: Display round-trips");
                valid.push(v);
            }
            Err(e) => assert_eq!(e.input(), s, "{name}: the error names the input"),
        }
    }
    assert!(
        valid.len() > 1000,
        "{name}: only {} valid strings",
        valid.len()
    );
    for _ in 0..30_000 {
        let a = &valid[rng.below(valid.len())];
        let b = &valid[rng.below(valid.len())];
        let c = &valid[rng.below(valid.len())];
        assert_eq!(
            a.cmp(b),
            b.cmp(a).reverse(),
            "{name}: {a} vs {b} antisymmetric"
        );
        assert_eq!(
            a.cmp(b) == Ordering::Equal,
            a == b,
            "{name}: Eq agrees with Ord"
        );
        if a <= b && b <= c {
            assert!(a <= c, "{name}: {a} <= {b} <= {c} but not {a} <= {c}");
        }
    }
    // Sorting must leave every adjacent pair in order (a second transitivity check).
    valid.sort();
    for pair in valid.windows(2) {
        assert!(
            pair[0] <= pair[1],
            "{name}: sorted {} before {}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn dpkg_is_a_total_order() {
    check_scheme("dpkg", Dpkg::parse);
}

#[test]
fn rpm_is_a_total_order() {
    check_scheme("rpm", Rpm::parse);
}

#[test]
fn apk_is_a_total_order() {
    check_scheme("apk", Apk::parse);
}

#[test]
fn pep440_is_a_total_order() {
    check_scheme("pep440", Pep440::parse);
}

#[test]
fn semver_is_a_total_order() {
    check_scheme("semver", Semver::parse);
}
