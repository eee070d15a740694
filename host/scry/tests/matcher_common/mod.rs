//! Vulnerability feeds in the real formats, generated from what a fixture image holds,
//! and the version oracles that say which packages they make vulnerable.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::serve_common::{Server, quay_token};

/// What a case's feed says about one package, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A fix newer than the installed version.
    FixedAbove,
    /// A fix older than (or equal to) the installed version.
    FixedBelow,
    FixedEqual,
    /// No fix yet: vulnerable whatever the version.
    Unfixed,
    /// The source says the release is not affected.
    NotAffected,
}

pub const VERDICTS: [Verdict; 5] = [
    Verdict::FixedAbove,
    Verdict::FixedBelow,
    Verdict::FixedEqual,
    Verdict::Unfixed,
    Verdict::NotAffected,
];

/// `dpkg --compare-versions a lt b`.
pub fn dpkg_lt(a: &str, b: &str) -> bool {
    let status = Command::new("dpkg")
        .args(["--compare-versions", a, "lt", b])
        .status()
        .expect("running dpkg --compare-versions");
    status.success()
}

/// A Debian-style version just above / below `version`.
pub fn debian_above(version: &str) -> String {
    format!("{version}+sec1")
}

pub fn debian_below(version: &str) -> String {
    format!("{version}~pre1")
}

/// The names of vulnerable (package, vulnerability) pairs in a report.
pub fn vulnerable_pairs(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    let packages = report["packages"].as_object().expect("packages map");
    let vulnerabilities = report["vulnerabilities"]
        .as_object()
        .expect("vulnerabilities map");
    for (package_id, ids) in report["package_vulnerabilities"]
        .as_object()
        .expect("package_vulnerabilities map")
    {
        let package = packages[package_id]["name"].as_str().unwrap().to_string();
        for id in ids.as_array().unwrap() {
            let name = vulnerabilities[id.as_str().unwrap()]["name"]
                .as_str()
                .unwrap()
                .to_string();
            pairs.insert((package.clone(), name));
        }
    }
    pairs
}

/// GETs the vulnerability report until it is ready (202 while the first update runs).
pub async fn vulnerability_report(server: &Server, manifest: &str) -> serde_json::Value {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let resp = client
            .get(format!(
                "{}/matcher/api/v1/vulnerability_report/{manifest}",
                server.api
            ))
            .bearer_auth(quay_token())
            .send()
            .await
            .unwrap();
        match resp.status().as_u16() {
            200 => return resp.json().await.unwrap(),
            202 if started.elapsed() < Duration::from_secs(120) => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            status => panic!(
                "vulnerability_report: {status} {}\n{}",
                resp.text().await.unwrap_or_default(),
                server.log()
            ),
        }
    }
}

/// Counts of each verdict, to check a case exercises every branch.
pub fn tally(verdicts: &BTreeMap<String, Verdict>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for verdict in verdicts.values() {
        *counts.entry(format!("{verdict:?}")).or_default() += 1;
    }
    counts
}

/// One (package, vulnerability) pair a generated feed states: the rule it exercises
/// and whether the version oracle makes it vulnerable.
#[derive(Clone, Debug)]
pub struct Judged {
    pub package: String,
    pub vulnerability: String,
    pub branch: &'static str,
    pub vulnerable: bool,
}

/// The pairs the oracle says a report must list.
pub fn expected_pairs(judged: &[Judged]) -> BTreeSet<(String, String)> {
    judged
        .iter()
        .filter(|j| j.vulnerable)
        .map(|j| (j.package.clone(), j.vulnerability.clone()))
        .collect()
}

/// Every branch in `branches` is exercised at least `min` times, and at least `min`
/// pairs are vulnerable and `min` are not: a case that tests nothing fails.
pub fn assert_branches(judged: &[Judged], branches: &[&str], min: usize) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for j in judged {
        *counts.entry(j.branch).or_default() += 1;
    }
    for branch in branches {
        assert!(
            counts.get(branch).copied().unwrap_or(0) >= min,
            "branch {branch:?} exercised fewer than {min} times: {counts:?}"
        );
    }
    let vulnerable = judged.iter().filter(|j| j.vulnerable).count();
    let safe = judged.len() - vulnerable;
    assert!(
        vulnerable >= min && safe >= min,
        "{vulnerable} vulnerable and {safe} not: too few of one ({counts:?})"
    );
}

/// No matcher failed and the report's vulnerable pairs are exactly the oracle's.
pub fn assert_report_matches(
    report: &serde_json::Value,
    expected: &BTreeSet<(String, String)>,
    oracle: &str,
) {
    assert_eq!(
        report["scry_matchers"]["failed"],
        serde_json::json!({}),
        "no matcher may fail"
    );
    let found = vulnerable_pairs(report);
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "report differs from {oracle}: missing {missing:?}, extra {extra:?}"
    );
}

/// A single layer tarball laid out as `blobs/sha256/<hex>` for `LayerServer`, with a
/// made-up manifest digest: (directory, manifest, [layer]).
pub fn single_layer_image(tarball: &std::path::Path) -> (tempfile::TempDir, String, Vec<String>) {
    use sha2::Digest as _;
    let bytes =
        std::fs::read(tarball).unwrap_or_else(|err| panic!("reading {}: {err}", tarball.display()));
    let hex = hex::encode(sha2::Sha256::digest(&bytes));
    let dir = tempfile::tempdir().unwrap();
    let blobs = dir.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(&hex), &bytes).unwrap();
    let manifest = hex::encode(sha2::Sha256::digest(format!("manifest of {hex}")));
    (
        dir,
        format!("sha256:{manifest}"),
        vec![format!("sha256:{hex}")],
    )
}

/// POSTs the manifest to the indexer, which fetches its layers from `layers`.
pub async fn index_image(
    server: &Server,
    layers: &crate::serve_common::LayerServer,
    manifest: &str,
    digests: &[String],
) {
    let resp = reqwest::Client::new()
        .post(format!("{}/indexer/api/v1/index_report", server.api))
        .bearer_auth(quay_token())
        .json(&crate::serve_common::clair_manifest(
            manifest, digests, layers,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", server.log());
}

/// Debian's interpreter: the one with python3-rpm.
pub const DEBIAN_PYTHON: &str = "/usr/bin/python3";

/// The interpreter with the PyPI oracles (packaging, univers), as
/// scripts/deps/version-oracles.sh installs them, unless `SCRY_ORACLE_PYTHON` says.
pub fn pypi_python() -> String {
    std::env::var("SCRY_ORACLE_PYTHON")
        .unwrap_or_else(|_| "/opt/scry-oracles/venv/bin/python".to_string())
}

/// The SDK's batch oracle script (sdk/tests/data/oracles/version_oracle.py) for
/// `scheme`: one answer line per request line; a rejected version is a panic.
pub fn version_oracle(python: &str, scheme: &str, requests: &[String]) -> Vec<String> {
    use std::io::Write as _;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../sdk/tests/data/oracles/version_oracle.py");
    let mut child = Command::new(python)
        .arg(&script)
        .arg(scheme)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| {
            panic!("running {python} (scripts/deps/version-oracles.sh installs it): {err}")
        });
    let mut stdin = child.stdin.take().unwrap();
    let input = requests.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "{scheme} oracle failed (scripts/deps/version-oracles.sh): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(answers.len(), requests.len(), "one answer per request");
    for (request, answer) in requests.iter().zip(&answers) {
        assert!(
            !answer.starts_with('!'),
            "{scheme} oracle rejected {request:?}: {answer}"
        );
    }
    answers
}

/// `-1`, `0` or `1`: how `a` compares with `b` for each pair, by `scheme`'s `cmp`.
pub fn oracle_compare(python: &str, scheme: &str, pairs: &[(String, String)]) -> Vec<i8> {
    let requests: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("cmp\t{a}\t{b}"))
        .collect();
    version_oracle(python, scheme, &requests)
        .iter()
        .map(|answer| answer.parse().expect("a -1/0/1 answer"))
        .collect()
}
