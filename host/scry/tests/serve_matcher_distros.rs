//! `scry serve` as Quay's matcher on RHEL, Alpine and PyPI content, end to end: a real
//! image indexed from a layer server, a generated feed in the source's real format
//! fetched over loopback by its updater, and the report's vulnerable (package,
//! vulnerability) set compared with what the ecosystem's own version ordering decides.

mod common;
mod distro_feeds;
mod matcher_common;
mod serve_common;

use std::collections::BTreeSet;
use std::path::Path;

use distro_feeds::{Feed, alpine_secdb, osv_pypi, rhel_vex};
use matcher_common::*;
use serve_common::*;

/// Starts a combo server with `updaters` (a YAML `updaters:` block), indexes the
/// image, and returns the vulnerability report once the first update has run.
async fn report(
    connstring: Option<&str>,
    updaters: &str,
    layout: &Path,
    manifest: &str,
    digests: &[String],
) -> (Server, serde_json::Value) {
    let matcher_conn = connstring
        .map(|c| format!("  connstring: \"{c}\"\n  migrations: true\n"))
        .unwrap_or_default();
    let rest = format!("matcher:\n{matcher_conn}  period: 1h\n{updaters}");
    let server = Server::start_config("combo", connstring, "", &rest).await;
    let layers = LayerServer::start(layout).await;
    index_image(&server, &layers, manifest, digests).await;
    let report = vulnerability_report(&server, manifest).await;
    (server, report)
}

async fn serve_feed(feed: &Feed) -> FeedServer {
    FeedServer::start(feed.files.clone()).await
}

async fn rhel_case(connstring: Option<&str>) {
    let fixtures = common::fixtures();
    let packages = rhel_vex::installed(&common::tsv(&fixtures.join("rpm/expected-rpm.tsv")));
    let feed = rhel_vex::feed(&packages, "/vex/");
    assert_branches(&feed.judged, &rhel_vex::BRANCHES, 4);
    let server = serve_feed(&feed).await;
    let updaters = format!(
        "updaters:\n  sets: [rhel-vex]\n  config:\n    rhel-vex:\n      url: {}\n",
        server.url("/vex/")
    );
    let (image, manifest, digests) = single_layer_image(&fixtures.join("rpm/layer.tar.gz"));
    let (_scry, report) = report(connstring, &updaters, image.path(), &manifest, &digests).await;
    assert_report_matches(&report, &expected_pairs(&feed.judged), "rpm.labelCompare");
    for vulnerability in report["vulnerabilities"].as_object().unwrap().values() {
        assert_eq!(vulnerability["updater"], "rhel-vex");
        assert_eq!(vulnerability["repository"]["key"], "rhel-cpe-repository");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rhel_image_matches_rpm_on_sqlite() {
    rhel_case(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rhel_image_matches_rpm_on_postgres() {
    let db = PgDatabase::create("matcher_rhel");
    rhel_case(Some(&db.connstring())).await;
}

async fn alpine_case(connstring: Option<&str>) {
    let fixtures = common::fixtures();
    let packages = alpine_secdb::installed(&common::tsv(&fixtures.join("alpine/expected-apk.tsv")));
    let feed = alpine_secdb::feed(&packages, "/secdb/");
    assert_branches(&feed.judged, &alpine_secdb::BRANCHES, 5);
    let server = serve_feed(&feed).await;
    let updaters = format!(
        "updaters:\n  sets: [alpine]\n  config:\n    alpine:\n      url: {}\n      releases: [\"v3.17\", \"v3.18\"]\n",
        server.url("/secdb/")
    );
    let (image, manifest, digests) = single_layer_image(&fixtures.join("alpine/layer.tar.gz"));
    let (_scry, report) = report(connstring, &updaters, image.path(), &manifest, &digests).await;
    assert_report_matches(
        &report,
        &expected_pairs(&feed.judged),
        "univers AlpineLinuxVersion",
    );
    for vulnerability in report["vulnerabilities"].as_object().unwrap().values() {
        assert_eq!(
            vulnerability["distribution"]["pretty_name"],
            "Alpine Linux v3.18"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn alpine_image_matches_apk_order_on_sqlite() {
    alpine_case(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn alpine_image_matches_apk_order_on_postgres() {
    let db = PgDatabase::create("matcher_alpine");
    alpine_case(Some(&db.connstring())).await;
}

/// The package a whiteout removed: `.wh.<name>-<version>.dist-info` in whiteouts.txt.
fn whited_out_distribution(whiteouts: &str) -> (String, String) {
    whiteouts
        .lines()
        .find_map(|line| {
            let rest = line.rsplit('/').next()?.strip_prefix(".wh.")?;
            let (name, version) = rest.strip_suffix(".dist-info")?.split_once('-')?;
            Some((name.to_string(), version.to_string()))
        })
        .expect("whiteouts.txt names a removed dist-info")
}

async fn pypi_case(connstring: Option<&str>) {
    let fixtures = common::fixtures();
    let installed: Vec<(String, String)> =
        common::tsv(&fixtures.join("multilayer/expected-python.tsv"))
            .into_iter()
            .map(|row| (row[0].clone(), row[1].clone()))
            .collect();
    let removed = whited_out_distribution(
        &std::fs::read_to_string(fixtures.join("multilayer/whiteouts.txt")).unwrap(),
    );
    let feed = osv_pypi::feed(&installed, &removed, "/osv/");
    assert_branches(&feed.judged, &osv_pypi::BRANCHES[..9], 4);
    assert_branches(&feed.judged, &osv_pypi::BRANCHES[9..], 1);
    let server = serve_feed(&feed).await;
    let updaters = format!(
        "updaters:\n  sets: [osv]\n  config:\n    osv:\n      url: {}\n      allowlist: [PyPI]\n",
        server.url("/osv/")
    );
    let layout = fixtures.join("multilayer/oci");
    let (manifest, digests) = oci_image(&layout);
    let (_scry, report) = report(connstring, &updaters, &layout, &manifest, &digests).await;
    // The feed was written for the image's final state: what the report lists.
    let pypi: BTreeSet<(String, String)> = report["packages"]
        .as_object()
        .unwrap()
        .values()
        .filter(|p| {
            let id = p["id"].as_str().unwrap();
            report["environments"][id]
                .as_array()
                .unwrap()
                .iter()
                .any(|env| {
                    env["package_db"]
                        .as_str()
                        .is_some_and(|db| db.starts_with("python:"))
                })
        })
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(pypi, installed.iter().cloned().collect());
    assert!(!pypi.iter().any(|(name, _)| *name == removed.0));
    assert_report_matches(
        &report,
        &expected_pairs(&feed.judged),
        "packaging.version.Version",
    );
    for vulnerability in report["vulnerabilities"].as_object().unwrap().values() {
        assert_eq!(vulnerability["updater"], "osv/pypi");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pypi_packages_match_pep440_on_sqlite() {
    pypi_case(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pypi_packages_match_pep440_on_postgres() {
    let db = PgDatabase::create("matcher_pypi");
    pypi_case(Some(&db.connstring())).await;
}
