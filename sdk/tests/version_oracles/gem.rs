//! RubyGems versions against RubyGems' own `Gem::Version` (ordering and validity)
//! and against PyPI univers' `RubygemsVersion`.

use crate::harness::{
    Rng, Tally, data_path, parse_ordering, pypi_python, python_oracle, run_batch, symbol,
};
use scry_sdk::version::Gem;
use std::process::Command;

const PAIRS: usize = 20_000;
const SPELLINGS: usize = 12_000;
const RUBY_INSTALL: &str = "Debian package ruby";

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "10",
    "01",
    "00",
    "3",
    "99999999999999999999",
];
const LETTERS: &[&str] = &["a", "b", "rc", "pre", "alpha", "beta", "A", "Z", "x"];

/// One dot-separated segment: a number, letters, or both glued (`0a1`, `rc2`).
fn segment(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=5 => rng.pick(NUMBERS).to_owned(),
        6 | 7 => rng.pick(LETTERS).to_owned(),
        8 => format!("{}{}", rng.pick(LETTERS), rng.pick(NUMBERS)),
        _ => format!("{}{}", rng.pick(NUMBERS), rng.pick(LETTERS)),
    }
}

fn version(rng: &mut Rng) -> String {
    let mut s = rng.pick(NUMBERS).to_owned();
    for _ in 0..rng.below(5) {
        s.push('.');
        s.push_str(&segment(rng));
    }
    if rng.chance(20) {
        s.push('-');
        s.push_str(&segment(rng));
        if rng.chance(40) {
            s.push('.');
            s.push_str(&segment(rng));
        }
    }
    s
}

fn neighbour(rng: &mut Rng, v: &str) -> String {
    match rng.below(4) {
        0 => format!("{v}.{}", segment(rng)),
        1 => format!("{v}.0"),
        2 => match v.rfind('.') {
            Some(dot) => v[..dot].to_owned(),
            None => format!("{v}.1"),
        },
        _ => format!("{v}.{}", rng.pick(LETTERS)),
    }
}

fn damage(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = rng.below(chars.len() + 1);
    let c = rng.pick(&['.', '-', '0', 'a', '_', ' ', '+', '!']);
    match rng.below(3) {
        0 => chars.insert(i, c),
        1 if i < chars.len() => {
            chars.remove(i);
        }
        _ => chars.push(c),
    }
    chars.into_iter().collect()
}

fn generate_pairs(seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    (0..PAIRS)
        .map(|_| {
            let a = version(&mut rng);
            let b = if rng.chance(35) {
                version(&mut rng)
            } else {
                neighbour(&mut rng, &a)
            };
            if rng.chance(50) { (a, b) } else { (b, a) }
        })
        .collect()
}

fn check(what: &str, pairs: &[(String, String)], answers: &[String]) {
    let mut tally = Tally::new(what);
    for ((a, b), answer) in pairs.iter().zip(answers) {
        let theirs = parse_ordering(answer).unwrap_or_else(|e| panic!("{what} on {a} vs {b}: {e}"));
        let parse = |s: &str| Gem::parse(s).unwrap_or_else(|e| panic!("generated {e}"));
        let mine = parse(a).cmp(&parse(b));
        tally.check(mine == theirs, || {
            format!("{a} {} {b} (ours {})", symbol(theirs), symbol(mine))
        });
    }
    tally.finish(10_000);
}

fn ruby() -> Command {
    let mut ruby = Command::new("ruby");
    ruby.arg(data_path("oracles/gem/gem_oracle.rb"));
    ruby
}

#[test]
fn gem_matches_gem_version() {
    let pairs = generate_pairs(0x6e3a_0001);
    let requests: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("cmp\t{a}\t{b}"))
        .collect();
    let answers = run_batch(ruby(), RUBY_INSTALL, &requests);
    check("gem vs Gem::Version", &pairs, &answers);
}

#[test]
fn gem_matches_univers() {
    let pairs = generate_pairs(0x6e3a_0002);
    let requests: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("cmp\t{a}\t{b}"))
        .collect();
    let answers = python_oracle(&pypi_python(), "gem", "PyPI package univers", &requests);
    check("gem vs univers RubygemsVersion", &pairs, &answers);
}

/// Damaged spellings: Scry accepts exactly what `Gem::Version.correct?` accepts
/// (except blank strings, which RubyGems reads as `0` and Scry rejects).
#[test]
fn gem_matches_gem_version_validity() {
    let mut rng = Rng::new(0x6e3a_0003);
    let inputs: Vec<String> = (0..SPELLINGS)
        .map(|_| {
            let v = version(&mut rng);
            if rng.chance(60) {
                damage(&mut rng, &v)
            } else {
                v
            }
        })
        .filter(|s| !s.trim().is_empty())
        .collect();
    let requests: Vec<String> = inputs.iter().map(|s| format!("valid\t{s}")).collect();
    let answers = run_batch(ruby(), RUBY_INSTALL, &requests);
    let mut tally = Tally::new("gem vs Gem::Version.correct?");
    let mut invalid = 0;
    for (s, answer) in inputs.iter().zip(&answers) {
        let theirs = answer == "ok";
        invalid += usize::from(!theirs);
        let ours = Gem::parse(s);
        tally.check(ours.is_ok() == theirs, || {
            format!("{s:?}: Gem::Version {answer}, ours {ours:?}")
        });
    }
    eprintln!("gem spellings: {invalid} of {} invalid", inputs.len());
    assert!(invalid > 1000, "too few invalid spellings ({invalid})");
    tally.finish(10_000);
}
