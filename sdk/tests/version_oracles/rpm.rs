//! RPM versions against rpm's own `labelCompare` (which uses `rpmvercmp`).

use crate::harness::{DEBIAN_PYTHON, Rng, Tally, parse_ordering, python_oracle, symbol};
use scry_sdk::version::{Rpm, rpmvercmp};
use std::cmp::Ordering;

const PAIRS: usize = 24_000;
const INSTALL: &str = "Debian package python3-rpm";

const NUMBERS: &[&str] = &["0", "1", "2", "9", "10", "01", "007", "20230101", "3"];
const WORDS: &[&str] = &["a", "b", "el", "fc", "rc", "git", "Z", "A", "alpha", "x"];
const SEPARATORS: &[&str] = &[".", ".", "_", "+", "~", "^", "~~", "^^", "%", ".."];

#[derive(Clone)]
struct Parts {
    epoch: Option<u32>,
    version: Vec<&'static str>,
    release: Option<Vec<&'static str>>,
}

fn atom(rng: &mut Rng) -> &'static str {
    match rng.below(5) {
        0 | 1 => rng.pick(NUMBERS),
        2 => rng.pick(WORDS),
        _ => rng.pick(SEPARATORS),
    }
}

fn atoms(rng: &mut Rng, max: usize) -> Vec<&'static str> {
    (0..1 + rng.below(max)).map(|_| atom(rng)).collect()
}

fn random_parts(rng: &mut Rng) -> Parts {
    Parts {
        epoch: rng.chance(25).then(|| rng.below(3) as u32),
        version: atoms(rng, 6),
        release: rng.chance(75).then(|| atoms(rng, 4)),
    }
}

fn mutate(rng: &mut Rng, mut p: Parts) -> Parts {
    let target = match &mut p.release {
        Some(r) if rng.chance(40) => r,
        _ => &mut p.version,
    };
    match rng.below(5) {
        0 | 1 => target.push(atom(rng)),
        2 if target.len() > 1 => {
            target.pop();
        }
        3 => {
            let i = rng.below(target.len());
            target[i] = atom(rng);
        }
        _ if rng.chance(50) => p.epoch = if p.epoch.is_some() { None } else { Some(0) },
        _ => {
            p.release = if p.release.is_some() {
                None
            } else {
                Some(vec!["1"])
            }
        }
    }
    p
}

fn render(p: &Parts) -> String {
    let mut s = String::new();
    if let Some(e) = p.epoch {
        s.push_str(&format!("{e}:"));
    }
    s.push_str(&p.version.concat());
    if let Some(r) = &p.release {
        s.push('-');
        s.push_str(&r.concat());
    }
    s
}

fn request(p: &Parts, q: &Parts) -> String {
    let fields = |p: &Parts| {
        [
            p.epoch.map(|e| e.to_string()).unwrap_or_default(),
            p.version.concat(),
            p.release.as_ref().map(|r| r.concat()).unwrap_or_default(),
        ]
        .join("\t")
    };
    format!("rpm\t{}\t{}", fields(p), fields(q))
}

fn parse(p: &Parts) -> Rpm {
    let text = render(p);
    let evr = Rpm::parse(&text).unwrap_or_else(|e| panic!("generated an invalid version: {e}"));
    // The parser must split the text into the parts it was built from.
    assert_eq!(evr.epoch(), p.epoch, "{text}");
    assert_eq!(evr.version(), p.version.concat(), "{text}");
    assert_eq!(
        evr.release().map(str::to_owned),
        p.release.as_ref().map(|r| r.concat()),
        "{text}"
    );
    assert_eq!(evr.to_string(), text);
    evr
}

#[test]
fn rpm_matches_label_compare() {
    let mut rng = Rng::new(0x7e57_4a11);
    let mut pairs = Vec::with_capacity(PAIRS);
    while pairs.len() < PAIRS {
        let a = random_parts(&mut rng);
        let b = if rng.chance(35) {
            random_parts(&mut rng)
        } else {
            mutate(&mut rng, a.clone())
        };
        pairs.push(if rng.chance(50) { (a, b) } else { (b, a) });
    }
    let requests: Vec<String> = pairs.iter().map(|(a, b)| request(a, b)).collect();
    let answers = python_oracle(DEBIAN_PYTHON, "rpm", INSTALL, &requests);
    let mut tally = Tally::new("rpm vs rpm.labelCompare");
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let theirs = parse_ordering(answer).expect("labelCompare compares any EVR");
        let mine = parse(a).cmp(&parse(b));
        tally.check(mine == theirs, || {
            format!(
                "{} {} {} (ours {})",
                render(a),
                symbol(theirs),
                render(b),
                symbol(mine)
            )
        });
    }
    tally.finish(10_000);
}

/// The cases go-rpm-version carries (4489 version-only pairs, some with '-'),
/// decided by rpm itself rather than by the file's expectations.
#[test]
fn rpmvercmp_matches_rpm_on_go_rpm_version_cases() {
    const FILE: &str =
        "/usr/share/gocode/src/github.com/knqyf263/go-rpm-version/version_testcase.go";
    let source = std::fs::read_to_string(FILE).unwrap_or_else(|e| {
        panic!(
            "read {FILE}: {e}\nInstall Debian package golang-github-knqyf263-go-rpm-version-dev."
        )
    });
    let pairs: Vec<(String, String)> = source
        .lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.trim().strip_prefix('{')?.split('"').collect();
            // {"a", LESS, "b"},  ->  ["", a, ", LESS, ", b, "},"]
            (fields.len() == 5).then(|| (fields[1].to_owned(), fields[3].to_owned()))
        })
        .collect();
    assert!(
        pairs.len() > 4000,
        "found only {} cases in {FILE}",
        pairs.len()
    );
    let requests: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("rpm\t\t{a}\t\t\t{b}\t"))
        .collect();
    let answers = python_oracle(DEBIAN_PYTHON, "rpm", INSTALL, &requests);
    let mut tally = Tally::new("rpmvercmp vs rpm on go-rpm-version cases");
    let mut rejected = 0;
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        // rpm refuses an empty version; those cases (and only those) are skipped.
        let Ok(theirs) = parse_ordering(answer) else {
            assert!(
                a.is_empty() || b.is_empty(),
                "rpm rejects {a:?} or {b:?}: {answer}"
            );
            rejected += 1;
            continue;
        };
        let mine: Ordering = rpmvercmp(a, b);
        tally.check(mine == theirs, || {
            format!("{a:?} {} {b:?} (ours {})", symbol(theirs), symbol(mine))
        });
    }
    eprintln!("go-rpm-version cases: {rejected} with an empty version skipped (rpm rejects them)");
    tally.finish(4000);
}
