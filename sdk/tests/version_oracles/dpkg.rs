//! Debian versions against dpkg's own ordering.

use crate::harness::{DEBIAN_PYTHON, Rng, Tally, parse_ordering, python_oracle, symbol};
use scry_sdk::version::Dpkg;
use std::cmp::Ordering;
use std::process::Command;

const PAIRS: usize = 24_000;
/// Pairs checked with `dpkg --compare-versions` itself, one process per pair.
const DPKG_PAIRS: usize = 10_000;
/// Threads spawning dpkg: each call is mostly process start-up.
const DPKG_THREADS: usize = 4;

const NUMBERS: &[&str] = &["0", "1", "2", "9", "10", "01", "00", "3", "20230101", "999"];
const WORDS: &[&str] = &[
    "a", "b", "z", "A", "Z", "rc", "alpha", "dfsg", "git", "ubuntu", "deb", "bpo", "really",
];
const UPSTREAM_SEPARATORS: &[&str] = &[".", ".", "+", "~", "~~", "-", ":"];
const REVISION_SEPARATORS: &[&str] = &[".", "+", "~"];
/// Tails that keep any valid version valid, to make versions that share a prefix.
const TAILS: &[&str] = &[
    "~", "~rc1", "+b1", ".1", "a", "0", "+deb12u1", "build1", "~~", ".0",
];

/// A version built from parts, so that every generated string is valid.
#[derive(Clone)]
struct Parts {
    epoch: Option<u32>,
    upstream: Vec<&'static str>,
    revision: Option<Vec<&'static str>>,
}

fn atom(rng: &mut Rng, separators: &'static [&'static str]) -> &'static str {
    match rng.below(3) {
        0 => rng.pick(NUMBERS),
        1 => rng.pick(WORDS),
        _ => rng.pick(separators),
    }
}

fn random_parts(rng: &mut Rng) -> Parts {
    let mut upstream = vec![rng.pick(NUMBERS)];
    for _ in 0..rng.below(6) {
        upstream.push(atom(rng, UPSTREAM_SEPARATORS));
    }
    let revision = rng.chance(70).then(|| {
        (0..1 + rng.below(4))
            .map(|_| atom(rng, REVISION_SEPARATORS))
            .collect()
    });
    Parts {
        epoch: rng.chance(20).then(|| rng.below(3) as u32),
        upstream,
        revision,
    }
}

/// A small change to one part, so that the pair is close.
fn mutate(rng: &mut Rng, mut p: Parts) -> Parts {
    match rng.below(6) {
        0 => p.upstream.push(atom(rng, UPSTREAM_SEPARATORS)),
        1 if p.upstream.len() > 1 => {
            p.upstream.pop();
        }
        2 => {
            let i = rng.below(p.upstream.len());
            p.upstream[i] = if i == 0 {
                rng.pick(NUMBERS)
            } else {
                atom(rng, UPSTREAM_SEPARATORS)
            };
        }
        3 => {
            p.epoch = if p.epoch.is_some() {
                None
            } else {
                Some(rng.below(2) as u32)
            }
        }
        _ => match &mut p.revision {
            Some(r) if rng.chance(70) => r.push(atom(rng, REVISION_SEPARATORS)),
            Some(_) => p.revision = None,
            None => p.revision = Some(vec![rng.pick(NUMBERS)]),
        },
    }
    p
}

fn render(p: &Parts) -> String {
    let mut s = String::new();
    if let Some(e) = p.epoch {
        s.push_str(&format!("{e}:"));
    }
    for a in &p.upstream {
        // ':' and '-' belong in the upstream version only with an epoch / revision.
        let allowed = match *a {
            ":" => p.epoch.is_some(),
            "-" => p.revision.is_some(),
            _ => true,
        };
        s.push_str(if allowed { a } else { "." });
    }
    if let Some(r) = &p.revision {
        s.push('-');
        s.push_str(&r.concat());
    }
    s
}

/// Real versions from this machine's dpkg database.
fn installed_versions() -> Vec<String> {
    let status = std::fs::read_to_string("/var/lib/dpkg/status")
        .expect("read /var/lib/dpkg/status (a Debian machine's dpkg database)");
    status
        .lines()
        .filter_map(|l| l.strip_prefix("Version: "))
        .map(str::to_owned)
        .collect()
}

fn generate_pairs(seed: u64, count: usize) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let real = installed_versions();
    assert!(real.len() > 100, "too few versions in /var/lib/dpkg/status");
    let mut pairs = Vec::with_capacity(count);
    while pairs.len() < count {
        let pair = match rng.below(10) {
            0..=2 => (
                render(&random_parts(&mut rng)),
                render(&random_parts(&mut rng)),
            ),
            3..=6 => {
                let a = random_parts(&mut rng);
                let b = mutate(&mut rng, a.clone());
                (render(&a), render(&b))
            }
            7 => (rng.pick(&real), rng.pick(&real)),
            _ => {
                let a = rng.pick(&real);
                let b = if rng.chance(20) && !a.contains(':') {
                    format!("1:{a}")
                } else {
                    format!("{a}{}", rng.pick(TAILS))
                };
                (a, b)
            }
        };
        pairs.push(if rng.chance(50) {
            pair
        } else {
            (pair.1, pair.0)
        });
    }
    pairs
}

fn ours(a: &str, b: &str) -> Ordering {
    let parse = |s| Dpkg::parse(s).unwrap_or_else(|e| panic!("generated an invalid version: {e}"));
    let (x, y) = (parse(a), parse(b));
    assert_eq!(x.to_string(), a, "Display round-trips");
    x.cmp(&y)
}

#[test]
fn dpkg_matches_apt_pkg() {
    let pairs = generate_pairs(0x5c2f_d9c1, PAIRS);
    let requests: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("cmp\t{a}\t{b}"))
        .collect();
    let answers = python_oracle(
        DEBIAN_PYTHON,
        "dpkg",
        "Debian package python3-apt",
        &requests,
    );
    let mut tally = Tally::new("dpkg vs apt_pkg.version_compare");
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let theirs = parse_ordering(answer).expect("apt_pkg compares any string");
        let mine = ours(a, b);
        tally.check(mine == theirs, || {
            format!("{a} {} {b} (ours {})", symbol(theirs), symbol(mine))
        });
    }
    tally.finish(10_000);
}

/// dpkg itself on 10,000 pairs. One call per pair confirms our answer exactly: we
/// ask dpkg whether the relation we computed (`lt`, `eq` or `gt`) holds.
#[test]
fn dpkg_matches_dpkg_compare_versions() {
    let pairs = generate_pairs(0x0dd5_eed5, DPKG_PAIRS);
    let holds = |a: &str, op: &str, b: &str| {
        let status = Command::new("dpkg")
            .args(["--compare-versions", a, op, b])
            .status()
            .unwrap_or_else(|e| panic!("cannot run dpkg (install Debian package dpkg): {e}"));
        match status.code() {
            Some(0) => true,
            Some(1) => false,
            _ => panic!("dpkg --compare-versions {a} {op} {b}: {status}"),
        }
    };
    let chunk = pairs.len().div_ceil(DPKG_THREADS);
    let disagreements: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|(a, b)| {
                            let mine = ours(a, b);
                            let op = match mine {
                                Ordering::Less => "lt",
                                Ordering::Equal => "eq",
                                Ordering::Greater => "gt",
                            };
                            (!holds(a, op, b)).then(|| format!("dpkg says not {a} {op} {b}"))
                        })
                        .collect()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut tally = Tally::new("dpkg vs dpkg --compare-versions");
    for part in disagreements {
        for message in part {
            tally.check(false, || message);
        }
    }
    tally.checked = pairs.len();
    tally.finish(DPKG_PAIRS);
}
