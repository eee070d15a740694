//! Alpine versions against apk-tools' own test cases and, for generated pairs,
//! against go-apk-version (the library Clair uses, a port of apk-tools) and PyPI
//! univers.

use crate::harness::{Rng, Tally, parse_ordering, pypi_python, python_oracle, run_batch, symbol};
use scry_sdk::version::Apk;
use std::cmp::Ordering;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const PAIRS: usize = 20_000;
const GO_APK: &str = "/usr/share/gocode/src/github.com/knqyf263/go-apk-version";
const GO_INSTALL: &str = "Debian packages golang-go and golang-github-knqyf263-go-apk-version-dev";

/// What versions are built from. The second alphabet leaves out what univers (see
/// [`apk_matches_univers`]) does not do as apk-tools does.
struct Alphabet {
    numbers: &'static [&'static str],
    suffixes: &'static [&'static str],
    suffix_numbers: &'static [&'static str],
    /// Percentage of suffixes with a number.
    suffix_number_chance: usize,
    revisions: &'static [&'static str],
    /// Percentage of versions with a `-rN`.
    revision_chance: usize,
    /// Percentage of letters followed by a number (`1.2a3`, which apk-tools allows).
    letter_number_chance: usize,
}
const FULL: Alphabet = Alphabet {
    numbers: &[
        "0", "1", "2", "9", "10", "01", "00", "001", "05", "3", "20230101",
    ],
    suffixes: &["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"],
    suffix_numbers: &["0", "1", "2", "9", "10", "01", "00", "3", "20230101"],
    suffix_number_chance: 60,
    revisions: &["0", "1", "2", "9", "10", "01", "00", "3"],
    revision_chance: 60,
    letter_number_chance: 25,
};
const GENTOO_COMPATIBLE: Alphabet = Alphabet {
    numbers: &["0", "1", "2", "9", "10", "3", "20230101"],
    suffixes: &["alpha", "beta", "pre", "rc", "p"],
    suffix_numbers: &["1", "2", "9", "10", "3", "20230101"],
    suffix_number_chance: 100,
    revisions: &["0", "1", "2", "9", "10", "3"],
    revision_chance: 100,
    letter_number_chance: 0,
};
const LETTERS: &[&str] = &["a", "b", "z"];

#[derive(Clone)]
struct Parts {
    numbers: Vec<&'static str>,
    letter: Option<(&'static str, Option<&'static str>)>,
    suffixes: Vec<(&'static str, Option<&'static str>)>,
    revision: Option<&'static str>,
}

fn random_parts(rng: &mut Rng, abc: &Alphabet) -> Parts {
    Parts {
        numbers: (0..1 + rng.below(4))
            .map(|_| rng.pick(abc.numbers))
            .collect(),
        letter: rng.chance(15).then(|| letter(rng, abc)),
        suffixes: (0..rng.below(3)).map(|_| suffix(rng, abc)).collect(),
        revision: rng
            .chance(abc.revision_chance)
            .then(|| rng.pick(abc.revisions)),
    }
}

fn letter(rng: &mut Rng, abc: &Alphabet) -> (&'static str, Option<&'static str>) {
    (
        rng.pick(LETTERS),
        rng.chance(abc.letter_number_chance)
            .then(|| rng.pick(abc.numbers)),
    )
}

fn suffix(rng: &mut Rng, abc: &Alphabet) -> (&'static str, Option<&'static str>) {
    (
        rng.pick(abc.suffixes),
        rng.chance(abc.suffix_number_chance)
            .then(|| rng.pick(abc.suffix_numbers)),
    )
}

fn mutate(rng: &mut Rng, abc: &Alphabet, mut p: Parts) -> Parts {
    match rng.below(7) {
        0 => p.numbers.push(rng.pick(abc.numbers)),
        1 if p.numbers.len() > 1 => {
            p.numbers.pop();
        }
        2 => {
            let i = rng.below(p.numbers.len());
            p.numbers[i] = rng.pick(abc.numbers);
        }
        3 => {
            p.letter = if p.letter.is_some() {
                None
            } else {
                Some(letter(rng, abc))
            }
        }
        4 => p.suffixes.push(suffix(rng, abc)),
        5 if !p.suffixes.is_empty() => {
            let i = rng.below(p.suffixes.len());
            p.suffixes[i] = suffix(rng, abc);
        }
        _ if p.revision.is_some() && !rng.chance(abc.revision_chance) => p.revision = None,
        _ => p.revision = Some(rng.pick(abc.revisions)),
    }
    p
}

fn render(p: &Parts) -> String {
    let mut s = p.numbers.join(".");
    if let Some((letter, number)) = p.letter {
        s.push_str(letter);
        s.push_str(number.unwrap_or(""));
    }
    for (name, n) in &p.suffixes {
        s.push('_');
        s.push_str(name);
        s.push_str(n.unwrap_or(""));
    }
    if let Some(r) = p.revision {
        s.push_str("-r");
        s.push_str(r);
    }
    s
}

fn generate_pairs(seed: u64, count: usize, abc: &Alphabet) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let a = random_parts(&mut rng, abc);
            let b = if rng.chance(30) {
                random_parts(&mut rng, abc)
            } else {
                mutate(&mut rng, abc, a.clone())
            };
            let (a, b) = (render(&a), render(&b));
            if rng.chance(50) { (a, b) } else { (b, a) }
        })
        .collect()
}

fn parse(s: &str) -> Apk {
    let v = Apk::parse(s).unwrap_or_else(|e| panic!("generated an invalid version: {e}"));
    assert_eq!(v.to_string(), s);
    v
}

/// The go-apk-version oracle (tests/data/oracles/apk/main.go), built once per run
/// in GOPATH mode against the Debian package's source, offline.
fn go_apk_oracle() -> Command {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let binary = BUILT.get_or_init(|| {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let out = tmp.join("go-apk-oracle");
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg(crate::harness::data_path("oracles/apk/main.go"))
            .env("GO111MODULE", "off")
            .env("GOPATH", "/usr/share/gocode")
            .env("GOFLAGS", "")
            .env("GOPROXY", "off")
            .env("GOCACHE", tmp.join("go-cache"))
            .status()
            .unwrap_or_else(|e| panic!("cannot run go: {e}\nInstall {GO_INSTALL}."));
        assert!(
            status.success(),
            "building the apk oracle failed ({status}); install {GO_INSTALL}"
        );
        out
    });
    Command::new(binary)
}

/// apk-tools' `test/version.data` (728 cases), as the Debian package ships it.
#[test]
fn apk_matches_apk_tools_cases() {
    let file = format!("{GO_APK}/version_testcase.go");
    let source = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("read {file}: {e}\nInstall {GO_INSTALL}."));
    let cases: Vec<[String; 3]> = source
        .lines()
        .filter_map(|l| {
            // {"1.0", "<", "1.0bc"}, // comment  ->  ["", 1.0, ", ", <, ", ", 1.0bc, "}, ..."]
            let f: Vec<&str> = l.trim().strip_prefix('{')?.split('"').collect();
            (f.len() == 7).then(|| [f[1].to_owned(), f[3].to_owned(), f[5].to_owned()])
        })
        .collect();
    assert_eq!(cases.len(), 728, "apk-tools cases in {file}");

    // apk-tools orders even invalid versions (up to the bad token); Scry rejects
    // them. Such a case must involve a version the Go port rejects too.
    let requests: Vec<String> = cases.iter().map(|[a, _, b]| format!("{a}\t{b}")).collect();
    let go = run_batch(go_apk_oracle(), GO_INSTALL, &requests);
    let mut tally = Tally::new("apk vs apk-tools version.data");
    let mut rejected = 0;
    for ([a, op, b], go_answer) in cases.iter().zip(&go) {
        let want = match op.as_str() {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            other => panic!("unknown operator {other:?}"),
        };
        match (Apk::parse(a), Apk::parse(b)) {
            (Ok(x), Ok(y)) => {
                let mine = x.cmp(&y);
                tally.check(mine == want, || {
                    format!("{a} {op} {b} (ours {})", symbol(mine))
                });
            }
            (x, y) => {
                rejected += 1;
                let reason = x.err().or(y.err()).expect("one failed");
                tally.check(go_answer.starts_with('!'), || {
                    format!("{a} {op} {b}: we reject ({reason}), go-apk-version accepts")
                });
            }
        }
    }
    eprintln!("apk-tools cases: {rejected} rejected as invalid (go-apk-version agrees)");
    tally.finish(728);
}

#[test]
fn apk_matches_go_apk_version() {
    let pairs = generate_pairs(0xa1b2_c3d4, PAIRS, &FULL);
    let requests: Vec<String> = pairs.iter().map(|(a, b)| format!("{a}\t{b}")).collect();
    let answers = run_batch(go_apk_oracle(), GO_INSTALL, &requests);
    let mut tally = Tally::new("apk vs go-apk-version");
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let theirs = parse_ordering(answer)
            .unwrap_or_else(|e| panic!("go-apk-version rejects {a} or {b}: {e}"));
        let mine = parse(a).cmp(&parse(b));
        tally.check(mine == theirs, || {
            format!("{a} {} {b} (ours {})", symbol(theirs), symbol(mine))
        });
    }
    tally.finish(10_000);
}

/// univers follows Gentoo's rules, which differ from apk-tools' in places: numbers
/// with leading zeros (rejected after `_` and `-r`, decimal fractions after a
/// dot), `_beta0` = `_beta`, `_pre_p` < `_pre1_p` (apk-tools: >), `-r0` = no
/// revision, no `_cvs`, `_svn`, `_git` or `_hg`, and a version ending in a zero
/// component before a pre-release suffix (apk-tools: `1.0` < `1.0_alpha`; with
/// `-rN`, as real packages have, both agree). Its pairs are drawn from an
/// alphabet without those: suffixes always numbered, always a revision.
/// go-apk-version covers the rest.
#[test]
fn apk_matches_univers() {
    let pairs = generate_pairs(0xface_b00c, PAIRS, &GENTOO_COMPATIBLE);
    let requests: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("cmp\t{a}\t{b}"))
        .collect();
    let answers = python_oracle(&pypi_python(), "apk", "PyPI package univers", &requests);
    let mut tally = Tally::new("apk vs univers AlpineLinuxVersion");
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let theirs =
            parse_ordering(answer).unwrap_or_else(|e| panic!("univers rejects {a} or {b}: {e}"));
        let mine = parse(a).cmp(&parse(b));
        tally.check(mine == theirs, || {
            format!("{a} {} {b} (ours {})", symbol(theirs), symbol(mine))
        });
    }
    tally.finish(10_000);
}

/// Edited versions, often invalid: whatever Scry accepts, go-apk-version must
/// accept and order the same way. (Scry rejects some strings apk-tools lets
/// through, such as `1.` or `1.0-r`; those are only counted.)
#[test]
fn apk_accepts_nothing_go_apk_version_rejects() {
    let mut rng = Rng::new(0xa1b2_0002);
    let pairs: Vec<(String, String)> = generate_pairs(0xa1b2_0003, 12_000, &FULL)
        .into_iter()
        .map(|(a, b)| {
            let mut chars: Vec<char> = b.chars().collect();
            let i = rng.below(chars.len() + 1);
            let c = rng.pick(&['.', '_', '-', 'r', 'a', 'p', '0', '1', 'A', '~']);
            match rng.below(3) {
                0 => chars.insert(i, c),
                1 if i < chars.len() => {
                    chars.remove(i);
                }
                _ => chars.push(c),
            }
            (a, chars.into_iter().collect())
        })
        .collect();
    let requests: Vec<String> = pairs.iter().map(|(a, b)| format!("{a}\t{b}")).collect();
    let answers = run_batch(go_apk_oracle(), GO_INSTALL, &requests);
    let mut tally = Tally::new("apk edited versions vs go-apk-version");
    let mut stricter = 0;
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let Ok(edited) = Apk::parse(b) else {
            stricter += usize::from(!answer.starts_with('!'));
            continue;
        };
        let mine = parse(a).cmp(&edited);
        tally.check(parse_ordering(answer) == Ok(mine), || {
            format!("{a} vs {b}: go-apk-version {answer}, ours {}", symbol(mine))
        });
    }
    eprintln!("apk: {stricter} edited versions rejected by Scry but accepted by go-apk-version");
    tally.finish(3_000);
}
