//! Alpine versions against apk-tools' own test cases and, for generated pairs,
//! against go-apk-version (the library Clair uses, a port of apk-tools 2) and PyPI
//! univers. Scry orders as apk-tools 3 does; where apk-tools 2 differs (see
//! [`apk_tools_2_differs`]) pairs are left out here and proven in `apk_tools3.rs`.

use crate::harness::{Rng, Tally, parse_ordering, pypi_python, python_oracle, run_batch, symbol};
use scry_sdk::version::Apk;
use std::cmp::Ordering;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const PAIRS: usize = 20_000;
const GO_APK: &str = "/usr/share/gocode/src/github.com/knqyf263/go-apk-version";
pub(crate) const GO_INSTALL: &str =
    "Debian packages golang-go and golang-github-knqyf263-go-apk-version-dev";

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
};
const GENTOO_COMPATIBLE: Alphabet = Alphabet {
    numbers: &["0", "1", "2", "9", "10", "3", "20230101"],
    suffixes: &["alpha", "beta", "pre", "rc", "p"],
    suffix_numbers: &["1", "2", "9", "10", "3", "20230101"],
    suffix_number_chance: 100,
    revisions: &["0", "1", "2", "9", "10", "3"],
    revision_chance: 100,
};
const LETTERS: &[&str] = &["a", "b", "z"];

#[derive(Clone)]
struct Parts {
    numbers: Vec<&'static str>,
    letter: Option<&'static str>,
    suffixes: Vec<(&'static str, Option<&'static str>)>,
    revision: Option<&'static str>,
}

fn random_parts(rng: &mut Rng, abc: &Alphabet) -> Parts {
    Parts {
        numbers: (0..1 + rng.below(4))
            .map(|_| rng.pick(abc.numbers))
            .collect(),
        letter: rng.chance(15).then(|| rng.pick(LETTERS)),
        suffixes: (0..rng.below(3)).map(|_| suffix(rng, abc)).collect(),
        revision: rng
            .chance(abc.revision_chance)
            .then(|| rng.pick(abc.revisions)),
    }
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
                Some(rng.pick(LETTERS))
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
    if let Some(letter) = p.letter {
        s.push_str(letter);
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

/// Whether apk-tools 2 (and so go-apk-version) orders two valid versions
/// differently from apk-tools 3, which rewrote the numbers after a `.` that have a
/// leading zero. apk-tools 2 read such a number as a run of zeros (fewer zeros
/// sorting higher) followed by the rest as a plain number, and an all-zero number
/// as followed by a number whenever anything came after it; apk-tools 3 compares
/// the two numbers as text. So they differ where the first unequal numbers after a
/// `.` order differently under those two rules (`1.0` vs `1.00`, `8.2.0015` vs
/// `8.2.002`), and where two versions with the same numbers, the last all zeros,
/// go on one with nothing and one with a pre-release suffix (`1.0` vs `1.0_rc1`:
/// apk-tools 2 says the `_rc1` one is newer).
fn apk_tools_2_differs(a: &str, b: &str) -> bool {
    let (numbers_a, rest_a) = split_numbers(a);
    let (numbers_b, rest_b) = split_numbers(b);
    // The first number is compared by value in both (`01` = `1`), the rest differ.
    let unequal = |(i, (x, y)): (usize, (&&str, &&str))| {
        if i == 0 {
            by_value(x, y).is_ne()
        } else {
            x != y
        }
    };
    let first_unequal = numbers_a
        .iter()
        .zip(&numbers_b)
        .enumerate()
        .position(unequal);
    match first_unequal {
        Some(0) => false,
        Some(i) => {
            let (x, y) = (numbers_a[i], numbers_b[i]);
            dotted_order_apk_tools_2(x, y) != dotted_order_apk_tools_3(x, y)
        }
        None if numbers_a.len() == numbers_b.len() => {
            let all_zeros = numbers_a.len() > 1
                && numbers_a[numbers_a.len() - 1]
                    .trim_start_matches('0')
                    .is_empty();
            let pre = |rest: &str| {
                ["_alpha", "_beta", "_pre", "_rc"]
                    .iter()
                    .any(|p| rest.starts_with(p))
            };
            all_zeros && ((rest_a.is_empty() && pre(rest_b)) || (rest_b.is_empty() && pre(rest_a)))
        }
        None => false,
    }
}

/// `1.02a_p1-r0` -> (["1", "02"], "a_p1-r0").
fn split_numbers(version: &str) -> (Vec<&str>, &str) {
    let end = version
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(version.len());
    (version[..end].split('.').collect(), &version[end..])
}

fn dotted_order_apk_tools_2(x: &str, y: &str) -> Ordering {
    let zeros = |s: &str| s.len() - s.trim_start_matches('0').len();
    match (zeros(x), zeros(y)) {
        (0, 0) => by_value(x, y),
        (0, _) => Ordering::Greater,
        (_, 0) => Ordering::Less,
        (zx, zy) => zy.cmp(&zx).then(by_value(x, y)),
    }
}

fn dotted_order_apk_tools_3(x: &str, y: &str) -> Ordering {
    if x.starts_with('0') || y.starts_with('0') {
        x.cmp(y)
    } else {
        by_value(x, y)
    }
}

/// Digit strings by numeric value, of any length.
fn by_value(x: &str, y: &str) -> Ordering {
    let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
    x.len().cmp(&y.len()).then(x.cmp(y))
}

/// The go-apk-version oracle (tests/data/oracles/apk/main.go), built once per run
/// in GOPATH mode against the Debian package's source, offline.
pub(crate) fn go_apk_oracle() -> Command {
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
    // Pairs apk-tools 3 orders differently: go-apk-version must disagree on each,
    // which shows the exclusion is no wider than the change.
    let mut newer = Tally::new("apk vs go-apk-version where apk-tools 3 differs");
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let theirs = parse_ordering(answer)
            .unwrap_or_else(|e| panic!("go-apk-version rejects {a} or {b}: {e}"));
        let mine = parse(a).cmp(&parse(b));
        let describe = || format!("{a} {} {b} (ours {})", symbol(theirs), symbol(mine));
        if apk_tools_2_differs(a, b) {
            newer.check(mine != theirs, describe);
        } else {
            tally.check(mine == theirs, describe);
        }
    }
    tally.finish(10_000);
    newer.finish(50);
}

/// univers follows Gentoo's rules, which differ from apk-tools' in places: numbers
/// with leading zeros (rejected after `_` and `-r`, decimal fractions after a
/// dot), `_beta0` = `_beta`, `_pre_p` < `_pre1_p` (apk-tools: >), `-r0` = no
/// revision, and no `_cvs`, `_svn`, `_git` or `_hg`. Its pairs are drawn from an
/// alphabet without those: suffixes always numbered, always a revision.
/// go-apk-version and `apk_tools3.rs` cover the rest.
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
/// accept and order the same way, except apk-tools 3's `~hash` (go-apk-version must
/// reject it) and pairs apk-tools 3 orders differently (it must disagree). Scry,
/// like apk-tools 3, rejects some strings go-apk-version lets through, such as
/// `1.2a3`; those are only counted.
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
        let theirs = parse_ordering(answer);
        let expected = if b.contains('~') {
            theirs.is_err()
        } else if apk_tools_2_differs(a, b) {
            theirs.is_ok_and(|o| o != mine)
        } else {
            theirs == Ok(mine)
        };
        tally.check(expected, || {
            format!("{a} vs {b}: go-apk-version {answer}, ours {}", symbol(mine))
        });
    }
    eprintln!("apk: {stricter} edited versions rejected by Scry but accepted by go-apk-version");
    tally.finish(3_000);
}
