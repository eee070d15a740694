//! A Debian feed that changes between two update operations (one vulnerable entry
//! withdrawn, one added), the bookworm image indexed, and the airgap CLI: what the
//! matcher API and notifier tests share.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scry_updaters::debian::TrackerEntry;

use crate::common;
use crate::serve_common::*;

pub fn debian_config(json_url: &str) -> String {
    format!(
        "updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: {json_url}\n      releases: {{bookworm: \"12\", bullseye: \"11\"}}\n"
    )
}

pub async fn index_bookworm(server: &Server, layers: &LayerServer) -> String {
    let layout = common::fixtures().join("bookworm/oci");
    let (manifest, digests) = oci_image(&layout);
    let resp = reqwest::Client::new()
        .post(format!("{}/indexer/api/v1/index_report", server.api))
        .bearer_auth(quay_token())
        .json(&clair_manifest(&manifest, &digests, layers))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", server.log());
    manifest
}

/// Runs `scry export-updaters` / `import-updaters` with a config file.
pub fn airgap(args: &[&str], config: &Path) -> std::process::Output {
    common::run(common::scry().args(args).arg("--config").arg(config))
}

/// `scry export-updaters` of the Debian feed at `json_url` into `dir/<name>.json.gz`,
/// which must succeed.
pub fn export_debian(json_url: &str, dir: &Path, name: &str) -> PathBuf {
    let config = dir.join(format!("{name}.yaml"));
    std::fs::write(&config, debian_config(json_url)).unwrap();
    let bundle = dir.join(format!("{name}.json.gz"));
    succeeded(airgap(
        &["export-updaters", bundle.to_str().unwrap()],
        &config,
    ));
    bundle
}

/// `scry import-updaters BUNDLE` with `config`, which must succeed; its stderr.
pub fn import_bundle(bundle: &Path, config: &Path) -> String {
    succeeded(airgap(
        &["import-updaters", bundle.to_str().unwrap()],
        config,
    ))
}

fn succeeded(out: std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// The second feed: one vulnerable entry withdrawn, one new vulnerable entry added.
pub fn second_feed(
    entries: &[TrackerEntry],
    expected: &BTreeSet<(String, String)>,
) -> (
    Vec<TrackerEntry>,
    BTreeSet<(String, String)>,
    String,
    String,
) {
    let withdrawn = expected.iter().next().unwrap().1.clone();
    let mut next: Vec<TrackerEntry> = entries
        .iter()
        .filter(|e| e.cve != withdrawn)
        .cloned()
        .collect();
    let target = entries.iter().find(|e| e.codename == "bookworm").unwrap();
    let added = "CVE-2099-99999".to_string();
    next.push(TrackerEntry {
        cve: added.clone(),
        fixed_version: None,
        urgency: "high".into(),
        description: "disclosed later".into(),
        ..target.clone()
    });
    let mut expected_next: BTreeSet<_> = expected
        .iter()
        .filter(|(_, cve)| *cve != withdrawn)
        .cloned()
        .collect();
    // An unfixed issue affects every binary built from the source.
    for package in packages_of(&target.source_package) {
        expected_next.insert((package, added.clone()));
    }
    (next, expected_next, withdrawn, added)
}

pub fn packages_of(source: &str) -> Vec<String> {
    common::tsv(&common::fixtures().join("bookworm/expected-dpkg.tsv"))
        .into_iter()
        .filter(|row| row[2] == source)
        .map(|row| row[0].clone())
        .collect()
}
