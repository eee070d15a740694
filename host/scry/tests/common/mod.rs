//! Running the real `scry` binary on the real images `scripts/fixtures.sh` builds.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scry_model::IndexReport;

/// `$SCRY_FIXTURES`, default `/var/tmp/scry-fixtures`; must have been built.
pub fn fixtures() -> PathBuf {
    let dir = std::env::var_os("SCRY_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/scry-fixtures"));
    assert!(
        dir.join("bookworm/.stamp").is_file(),
        "test images missing in {}: run scripts/fixtures.sh",
        dir.display()
    );
    dir
}

pub fn scry() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scry"));
    // Precompiled plugins shared by the test runs, not the user's cache.
    command.env(
        "XDG_CACHE_HOME",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache"),
    );
    command
}

pub fn run(command: &mut Command) -> Output {
    let output = command.output().expect("running scry");
    assert!(
        output.status.code().is_some(),
        "scry died of a signal: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `scry scan PATH --format json`, which must succeed.
pub fn scan(path: &Path, extra: &[&str]) -> IndexReport {
    let output = run(scry()
        .args(extra)
        .arg("scan")
        .arg(path)
        .args(["--format", "json"]));
    assert!(
        output.status.success(),
        "scan of {} failed: {}\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    let report: IndexReport =
        serde_json::from_slice(&output.stdout).expect("scan prints an IndexReport");
    assert_eq!(report.state, "IndexFinished");
    assert!(report.success && report.err.is_empty(), "{}", report.err);
    report
}

/// Rows of a tab-separated oracle file.
pub fn tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

/// `(name, version)` of the packages whose environment names `db`.
pub fn packages_in(report: &IndexReport, db_prefix: &str) -> BTreeSet<(String, String)> {
    report
        .packages
        .values()
        .filter(|p| {
            report.environments[&p.id]
                .iter()
                .any(|env| env.package_db.starts_with(db_prefix))
        })
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

/// Every package has a non-empty environment list, as Quay requires.
pub fn assert_environments(report: &IndexReport) {
    for id in report.packages.keys() {
        let envs = report
            .environments
            .get(id)
            .unwrap_or_else(|| panic!("package {id} has no environment"));
        assert!(
            !envs.is_empty(),
            "package {id} has an empty environment list"
        );
        for env in envs {
            assert!(env.introduced_in.starts_with("sha256:"), "{env:?}");
        }
    }
}
