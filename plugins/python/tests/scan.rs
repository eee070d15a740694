//! `tests/data/layer` is a layer of real metadata files:
//!
//! * `usr/local/lib/python3.11/site-packages/*.dist-info`: written by
//!   `pip install --no-deps --target … six==1.16.0 idna==3.6 PyYAML==6.0.1`;
//! * `usr/lib/python3/dist-packages`: from Debian 12's python3-crcmod (egg-info directory)
//!   and python3-rpm (single-file egg-info);
//! * `opt/eggs/six-1.16.0-py3.11.egg/EGG-INFO/PKG-INFO`: the setuptools `PKG-INFO` of
//!   the six 1.16.0 sdist, in the old folded-description format.

use std::path::{Path, PathBuf};

use scry_plugin_python::PythonScanner;
use scry_sdk::rfc822;
use scry_sdk::scanner::{
    Contents, Findings, LayerFile, Package, PackageKind, Scanner, ScannerKind,
};

const SITE: &str = "usr/local/lib/python3.11/site-packages";
const DIST: &str = "usr/lib/python3/dist-packages";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/layer")
}

fn file(path: &str, bytes: Vec<u8>) -> LayerFile {
    LayerFile {
        path: path.to_string(),
        mode: 0o644,
        size: bytes.len() as u64,
        contents: Contents::Bytes(bytes),
    }
}

fn real(path: &str) -> LayerFile {
    file(
        path,
        std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}")),
    )
}

fn layer() -> Vec<LayerFile> {
    let mut files = Vec::new();
    let mut dirs = vec![root()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(real(path.strip_prefix(root()).unwrap().to_str().unwrap()));
            }
        }
    }
    files
}

fn scan(files: Vec<LayerFile>) -> Findings {
    let findings = PythonScanner::scan(files).expect("python metadata never fails a scan");
    assert!(findings.distributions.is_empty());
    findings
}

/// name, version, package db, file path.
fn summary(package: &Package) -> [String; 4] {
    assert!(matches!(package.kind, PackageKind::Binary));
    assert!(package.source.is_none());
    assert_eq!(
        (
            package.arch.as_str(),
            package.module.as_str(),
            package.repository_hint.as_str()
        ),
        ("", "", "")
    );
    [
        package.name.clone(),
        package.version.clone(),
        package.package_db.clone(),
        package.file_path.clone(),
    ]
}

fn row(name: &str, version: &str, site: &str, dir: &str) -> [String; 4] {
    [
        name.to_string(),
        version.to_string(),
        format!("python:{site}"),
        format!("{site}/{dir}"),
    ]
}

#[test]
fn every_metadata_layout_in_a_real_layer() {
    let findings = scan(layer());
    let found: Vec<_> = findings.packages.iter().map(summary).collect();
    assert_eq!(
        found,
        [
            row("six", "1.16.0", "opt/eggs", "six-1.16.0-py3.11.egg"),
            row("crcmod", "1.7", DIST, "crcmod-1.7.egg-info"),
            row("rpm", "4.18.0", DIST, "rpm-4.18.0.egg-info"),
            row("idna", "3.6", SITE, "idna-3.6.dist-info"),
            row("pyyaml", "6.0.1", SITE, "PyYAML-6.0.1.dist-info"),
            row("six", "1.16.0", SITE, "six-1.16.0.dist-info"),
        ]
    );
    let repos: Vec<_> = findings
        .repositories
        .iter()
        .map(|r| (r.name.as_str(), r.uri.as_str(), r.key.as_str()))
        .collect();
    assert_eq!(repos, [("pypi", "https://pypi.org/simple", "")]);
}

#[test]
fn dist_info_installed_by_a_system_package_manager_is_skipped() {
    for installer in ["rpm\n", "dpkg\n", "apk"] {
        let mut files: Vec<_> = layer()
            .into_iter()
            .filter(|f| !f.path.ends_with("six-1.16.0.dist-info/INSTALLER"))
            .collect();
        files.push(file(
            &format!("{SITE}/six-1.16.0.dist-info/INSTALLER"),
            installer.as_bytes().to_vec(),
        ));
        let found: Vec<_> = scan(files).packages.iter().map(summary).collect();
        assert_eq!(found.len(), 5, "{installer}");
        assert!(
            !found.contains(&row("six", "1.16.0", SITE, "six-1.16.0.dist-info")),
            "{installer}"
        );
    }
}

#[test]
fn no_package_means_no_repository() {
    let installers_only: Vec<_> = layer()
        .into_iter()
        .filter(|f| f.path.ends_with("INSTALLER"))
        .collect();
    let findings = scan(installers_only);
    assert!(findings.packages.is_empty() && findings.repositories.is_empty());
    assert!(scan(Vec::new()).repositories.is_empty());
}

#[test]
fn unreadable_metadata_is_skipped_without_failing_the_layer() {
    let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let files = vec![
        real(&format!("{SITE}/idna-3.6.dist-info/METADATA")),
        file(
            &format!("{SITE}/noversion-1.0.dist-info/METADATA"),
            b"Metadata-Version: 2.1\nName: noversion\n".to_vec(),
        ),
        file(
            &format!("{SITE}/garbage.dist-info/METADATA"),
            garbage.clone(),
        ),
        file(&format!("{SITE}/garbage.egg-info"), garbage),
        file(&format!("{SITE}/empty.egg-info/PKG-INFO"), Vec::new()),
    ];
    let found: Vec<_> = scan(files).packages.iter().map(summary).collect();
    assert_eq!(found, [row("idna", "3.6", SITE, "idna-3.6.dist-info")]);
}

#[test]
fn headers_before_a_broken_line_still_count() {
    let text = b"Metadata-Version: 1.0\nName: Legacy_Pkg\nVersion: 0.3b1\nnot a header line\nLicense: MIT\n".to_vec();
    let found: Vec<_> = scan(vec![file(
        &format!("{SITE}/Legacy_Pkg-0.3b1.egg-info"),
        text,
    )])
    .packages
    .iter()
    .map(summary)
    .collect();
    assert_eq!(
        found,
        [row(
            "legacy_pkg",
            "0.3b1",
            SITE,
            "Legacy_Pkg-0.3b1.egg-info"
        )]
    );
}

#[test]
fn old_folded_pkg_info_is_read_to_its_end() {
    // Blank description lines are folded as whitespace-only lines, not record breaks.
    let path = root().join("opt/eggs/six-1.16.0-py3.11.egg/EGG-INFO/PKG-INFO");
    let text = std::fs::read_to_string(path).unwrap();
    let headers = rfc822::headers(&text).expect("one valid header block");
    assert_eq!(headers.get_all("Classifier").count(), 7);
    assert_eq!(
        headers.get("Requires-Python"),
        Some(">=2.7, !=3.0.*, !=3.1.*, !=3.2.*")
    );
    let description = headers.get("Description").unwrap();
    assert!(description.starts_with(".. image:: https://img.shields.io/pypi/v/six.svg\n:target:"));
    assert!(description.ends_with("be found there."));
}

#[test]
fn identity_and_wants() {
    let id = PythonScanner::identify();
    assert_eq!((id.name.as_str(), id.version.as_str()), ("python", "1"));
    assert!(matches!(id.kind, ScannerKind::Package));
    let globs = PythonScanner::wanted().globs;
    for glob in [
        "**/*.dist-info/METADATA",
        "**/*.egg-info/PKG-INFO",
        "**/*.egg-info",
        "**/EGG-INFO/PKG-INFO",
        "**/*.dist-info/INSTALLER",
    ] {
        assert!(globs.iter().any(|g| g == glob), "{glob}");
    }
}
