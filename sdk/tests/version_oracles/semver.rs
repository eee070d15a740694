//! Semantic versions against PyPI `semantic_version` (ordering and validity), with
//! PyPI `semver` as a second opinion on every ordering.

use crate::harness::{Rng, Tally, parse_ordering, pypi_python, python_oracle, symbol};
use scry_sdk::version::Semver;

const PAIRS: usize = 20_000;
const SPELLINGS: usize = 10_000;
const INSTALL: &str = "PyPI packages semantic_version and semver";

const NUMBERS: &[&str] = &["0", "1", "2", "10", "999", "3"];
const PRE: &[&str] = &[
    "alpha", "beta", "rc", "0", "1", "2", "10", "x-y", "-", "a1", "1a", "0a", "RC", "Alpha", "11",
];
const BUILD: &[&str] = &["001", "build", "sha", "5", "x-1", "0"];

fn version(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(20) {
        s.push('v');
    }
    let core: Vec<&str> = (0..3).map(|_| rng.pick(NUMBERS)).collect();
    s.push_str(&core.join("."));
    if rng.chance(60) {
        let pre: Vec<&str> = (0..1 + rng.below(3)).map(|_| rng.pick(PRE)).collect();
        s.push('-');
        s.push_str(&pre.join("."));
    }
    if rng.chance(25) {
        let build: Vec<&str> = (0..1 + rng.below(2)).map(|_| rng.pick(BUILD)).collect();
        s.push('+');
        s.push_str(&build.join("."));
    }
    s
}

/// The same version with one pre-release identifier more, another or none, or
/// other build metadata.
fn neighbour(rng: &mut Rng, v: &str) -> String {
    let (body, build) = v.split_once('+').map_or((v, None), |(b, m)| (b, Some(m)));
    let mut s = body.to_owned();
    match rng.below(4) {
        0 => {
            s.push(if s.contains('-') { '.' } else { '-' });
            s.push_str(rng.pick(PRE));
        }
        1 if s.contains('-') => {
            // Replace the last identifier: '-' may sit inside identifiers too.
            let cut = s
                .rfind('.')
                .filter(|&i| i > s.find('-').unwrap())
                .unwrap_or(s.find('-').unwrap());
            s.truncate(cut + 1);
            s.push_str(rng.pick(PRE));
        }
        2 => {
            s = s
                .split_once('-')
                .map_or(s.clone(), |(core, _)| core.to_owned())
        }
        _ => return format!("{s}+{}", rng.pick(BUILD)),
    }
    if let Some(build) = build {
        s.push('+');
        s.push_str(build);
    }
    s
}

fn damage(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = rng.below(chars.len() + 1);
    let c = rng.pick(&['.', '-', '+', '0', '1', 'a', '_', 'v']);
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

/// The oracles do not take the `v` prefix Scry accepts.
fn bare(s: &str) -> &str {
    s.strip_prefix('v').unwrap_or(s)
}

#[test]
fn semver_matches_semantic_version_ordering() {
    let mut rng = Rng::new(0x5e3e_0001);
    let pairs: Vec<(String, String)> = (0..PAIRS)
        .map(|_| {
            let a = version(&mut rng);
            let b = if rng.chance(50) {
                version(&mut rng)
            } else {
                neighbour(&mut rng, &a)
            };
            if rng.chance(50) { (a, b) } else { (b, a) }
        })
        .collect();
    let requests: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("cmp\t{}\t{}", bare(a), bare(b)))
        .collect();
    let answers = python_oracle(&pypi_python(), "semver", INSTALL, &requests);
    let mut tally = Tally::new("semver vs semantic_version + semver ordering");
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let theirs = parse_ordering(answer).unwrap_or_else(|e| panic!("oracle on {a} vs {b}: {e}"));
        let parse = |s: &str| {
            Semver::parse(s).unwrap_or_else(|e| panic!("generated an invalid version: {e}"))
        };
        let mine = parse(a).cmp(&parse(b));
        tally.check(mine == theirs, || {
            format!("{a} {} {b} (ours {})", symbol(theirs), symbol(mine))
        });
    }
    tally.finish(10_000);
}

#[test]
fn semver_matches_semantic_version_validity() {
    let mut rng = Rng::new(0x5e3e_0002);
    // Strings with a 'v' left after damage are for Scry's prefix rule, not the oracle's.
    let inputs: Vec<String> = (0..SPELLINGS)
        .map(|_| {
            let s = version(&mut rng);
            if rng.chance(60) {
                damage(&mut rng, bare(&s))
            } else {
                bare(&s).to_owned()
            }
        })
        .filter(|s| !s.contains('v'))
        .collect();
    let requests: Vec<String> = inputs.iter().map(|s| format!("valid\t{s}")).collect();
    let answers = python_oracle(&pypi_python(), "semver", INSTALL, &requests);
    let mut tally = Tally::new("semver vs semantic_version validity");
    let mut invalid = 0;
    for (s, answer) in inputs.iter().zip(&answers) {
        let theirs = answer == "ok";
        let ours = Semver::parse(s);
        invalid += usize::from(!theirs);
        tally.check(ours.is_ok() == theirs, || {
            format!("{s:?}: semantic_version {answer}, ours {ours:?}")
        });
        if let Ok(v) = ours {
            assert_eq!(v.to_string(), *s);
            assert_eq!(Semver::parse(&format!("v{s}")).map(|w| w == v), Ok(true));
        }
    }
    eprintln!("semver spellings: {invalid} of {} invalid", inputs.len());
    assert!(
        invalid > 1000,
        "too few invalid spellings exercised ({invalid})"
    );
    tally.finish(9_000);
}
