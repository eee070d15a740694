//! Shared pieces: a seeded RNG, running an oracle process over a batch of requests,
//! and collecting mismatches.

use std::cmp::Ordering;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;

/// How to install every oracle these tests use.
pub const INSTALL_ALL: &str = "run `bash scripts/deps/version-oracles.sh` as root";

/// Debian's interpreter: the only one with python3-apt and python3-rpm.
pub const DEBIAN_PYTHON: &str = "/usr/bin/python3";

/// The interpreter with the PyPI oracles (packaging, semantic_version, semver,
/// univers): the venv that scripts/deps/version-oracles.sh creates, unless
/// `SCRY_ORACLE_PYTHON` names another.
pub fn pypi_python() -> String {
    std::env::var("SCRY_ORACLE_PYTHON")
        .unwrap_or_else(|_| "/opt/scry-oracles/venv/bin/python".to_owned())
}

pub fn data_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// xorshift64*: tiny, deterministic, good enough to pick test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

/// Runs the Python oracle script for `scheme` under `python`, one answer per request.
pub fn python_oracle(
    python: &str,
    scheme: &str,
    install: &str,
    requests: &[String],
) -> Vec<String> {
    let mut command = Command::new(python);
    command
        .arg(data_path("oracles/version_oracle.py"))
        .arg(scheme);
    run_batch(command, install, requests)
}

/// Feeds `requests` (one per line) to the command's stdin and returns its stdout
/// lines. Panics, naming what to install, when the command cannot run or fails.
pub fn run_batch(mut command: Command, install: &str, requests: &[String]) -> Vec<String> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| {
        panic!("cannot start oracle {command:?}: {e}\nInstall {install} ({INSTALL_ALL}).")
    });
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut input = requests.join("\n");
    input.push('\n');
    // Write from another thread: the oracle answers while we are still sending.
    let writer = thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("oracle output");
    let written = writer.join().expect("writer thread");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || written.is_err() {
        panic!(
            "oracle {command:?} failed ({}): {stderr}\nInstall {install} ({INSTALL_ALL}).",
            output.status
        );
    }
    let answers: Vec<String> = String::from_utf8(output.stdout)
        .expect("oracle output is UTF-8")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        answers.len(),
        requests.len(),
        "oracle {command:?} gave {} answers to {} requests; stderr: {stderr}",
        answers.len(),
        requests.len()
    );
    answers
}

/// An oracle's answer to a comparison: `Ok(ordering)`, or `Err(message)` when the
/// tool rejected one of the versions.
pub fn parse_ordering(answer: &str) -> Result<Ordering, String> {
    match answer {
        "-1" => Ok(Ordering::Less),
        "0" => Ok(Ordering::Equal),
        "1" => Ok(Ordering::Greater),
        other => match other.strip_prefix('!') {
            Some(message) => Err(message.to_owned()),
            None => panic!("unexpected oracle answer {other:?}"),
        },
    }
}

/// Counts checks against one oracle and keeps the disagreements.
pub struct Tally {
    what: String,
    pub checked: usize,
    mismatches: Vec<String>,
}

impl Tally {
    pub fn new(what: impl Into<String>) -> Tally {
        Tally {
            what: what.into(),
            checked: 0,
            mismatches: Vec::new(),
        }
    }

    /// Records one check; `describe` runs only for a mismatch.
    pub fn check(&mut self, agrees: bool, describe: impl FnOnce() -> String) {
        self.checked += 1;
        if !agrees {
            self.mismatches.push(describe());
        }
    }

    /// Prints the count and fails, showing the first mismatches, if there are any.
    pub fn finish(self, at_least: usize) {
        eprintln!(
            "{}: {} checked, {} mismatches",
            self.what,
            self.checked,
            self.mismatches.len()
        );
        if !self.mismatches.is_empty() {
            let first: Vec<&str> = self
                .mismatches
                .iter()
                .take(25)
                .map(String::as_str)
                .collect();
            panic!(
                "{}: {} of {} disagree with the oracle; first ones:\n  {}",
                self.what,
                self.mismatches.len(),
                self.checked,
                first.join("\n  ")
            );
        }
        assert!(
            self.checked >= at_least,
            "{}: only {} checked, expected at least {at_least}",
            self.what,
            self.checked
        );
    }
}

pub fn symbol(order: Ordering) -> &'static str {
    match order {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}
