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
