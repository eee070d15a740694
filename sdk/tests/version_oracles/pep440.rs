//! PEP 440 versions against PyPI `packaging` (`packaging.version.Version`): the
//! ordering, the normalised spelling, and which strings are versions at all.

use crate::harness::{Rng, Tally, parse_ordering, pypi_python, python_oracle, symbol};
use scry_sdk::version::Pep440;

const PAIRS: usize = 24_000;
const SPELLINGS: usize = 12_000;
const INSTALL: &str = "PyPI package packaging";

const NUMBERS: &[&str] = &["0", "1", "2", "10", "01", "00", "3", "2023"];
const PRE: &[&str] = &[
    "a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "A", "RC", "Beta",
];
const POST: &[&str] = &["post", "rev", "r", "POST", "Rev"];
const SEPARATORS: &[&str] = &["", "", ".", "-", "_"];
const LOCAL: &[&str] = &["ubuntu", "1", "01", "abc", "ABC", "x1", "0", "2"];

fn spelled_version(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(10) {
        s.push_str(rng.pick(&["v", "V", " "]));
    }
    if rng.chance(15) {
        s.push_str(&format!("{}!", rng.pick(NUMBERS)));
    }
    let release: Vec<&str> = (0..1 + rng.below(4)).map(|_| rng.pick(NUMBERS)).collect();
    s.push_str(&release.join("."));
    let labelled = |rng: &mut Rng, s: &mut String, labels: &[&str]| {
        s.push_str(rng.pick(SEPARATORS));
        s.push_str(rng.pick(labels));
        if rng.chance(75) {
            s.push_str(rng.pick(SEPARATORS));
            s.push_str(rng.pick(NUMBERS));
        } else if rng.chance(10) {
            s.push_str(rng.pick(SEPARATORS));
        }
    };
    if rng.chance(40) {
        labelled(rng, &mut s, PRE);
    }
    if rng.chance(30) {
        if rng.chance(25) {
            s.push_str(&format!("-{}", rng.pick(NUMBERS)));
        } else {
            labelled(rng, &mut s, POST);
        }
    }
    if rng.chance(30) {
        labelled(rng, &mut s, &["dev", "DEV"]);
    }
    if rng.chance(20) {
        let local: Vec<&str> = (0..1 + rng.below(3)).map(|_| rng.pick(LOCAL)).collect();
        s.push('+');
        for (i, part) in local.iter().enumerate() {
            if i > 0 {
                s.push_str(rng.pick(&[".", "-", "_"]));
            }
            s.push_str(part);
        }
    }
    if rng.chance(5) {
        s.push(' ');
    }
    s
}

/// A one-character edit, which often makes the string invalid.
fn damage(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = rng.below(chars.len() + 1);
    let c = rng.pick(&['.', '-', '_', '+', '!', 'a', 'x', 'p', 'v', '0', '1', ' ']);
    match rng.below(3) {
        0 => chars.insert(i, c),
        1 if i < chars.len() => {
            chars.remove(i);
        }
        _ if i < chars.len() => chars[i] = c,
        _ => chars.push(c),
    }
    chars.into_iter().collect()
}

fn parse(s: &str) -> Pep440 {
    let v = Pep440::parse(s).unwrap_or_else(|e| panic!("packaging accepts it but we do not: {e}"));
    assert_eq!(v.to_string(), s);
    v
}

/// Endings that turn a version into a close neighbour (when still valid).
const TAILS: &[&str] = &[
    ".dev1", ".dev0", "a1", "b2", "rc1", ".post1", "-1", "+local", "+1", ".0", ".1", "0",
];

#[test]
fn pep440_matches_packaging_ordering() {
    let mut rng = Rng::new(0x9e44_0001);
    let pairs: Vec<(String, String)> = (0..PAIRS)
        .map(|_| {
            let a = spelled_version(&mut rng);
            let b = match rng.below(4) {
                // Independent versions from the small alphabet are often close already.
                0 | 1 => spelled_version(&mut rng),
                2 => format!("{}{}", a.trim_end(), rng.pick(TAILS)),
                _ => damage(&mut rng, &a),
            };
            if rng.chance(50) { (a, b) } else { (b, a) }
        })
        .collect();
    let requests: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("cmp\t{a}\t{b}"))
        .collect();
    let answers = python_oracle(&pypi_python(), "pep440", INSTALL, &requests);
    let mut tally = Tally::new("pep440 vs packaging ordering");
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        // A tail or an edit can make a string invalid; validity is checked below.
        let Ok(theirs) = parse_ordering(answer) else {
            continue;
        };
        let mine = parse(a).cmp(&parse(b));
        tally.check(mine == theirs, || {
            format!("{a:?} {} {b:?} (ours {})", symbol(theirs), symbol(mine))
        });
    }
    tally.finish(15_000);
}

#[test]
fn pep440_matches_packaging_normalization_and_validity() {
    let mut rng = Rng::new(0x9e44_0002);
    let inputs: Vec<String> = (0..SPELLINGS)
        .map(|_| {
            let s = spelled_version(&mut rng);
            if rng.chance(50) {
                damage(&mut rng, &s)
            } else {
                s
            }
        })
        .collect();
    let requests: Vec<String> = inputs.iter().map(|s| format!("norm\t{s}")).collect();
    let answers = python_oracle(&pypi_python(), "pep440", INSTALL, &requests);
    let mut tally = Tally::new("pep440 vs packaging normalization");
    let mut invalid = 0;
    for (s, answer) in inputs.iter().zip(&answers) {
        let theirs = match answer.strip_prefix('!') {
            Some(_) => None,
            None => Some(answer.as_str()),
        };
        let ours = Pep440::parse(s).ok().map(|v| v.normalized());
        invalid += usize::from(theirs.is_none());
        tally.check(ours.as_deref() == theirs, || {
            format!("{s:?}: packaging {theirs:?}, ours {ours:?}")
        });
    }
    eprintln!("pep440 spellings: {invalid} of {} invalid", inputs.len());
    assert!(
        invalid > 1000,
        "too few invalid spellings exercised ({invalid})"
    );
    tally.finish(10_000);
}
