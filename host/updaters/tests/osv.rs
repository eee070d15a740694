//! The `osv` set against real OSV records (Go vulndb, PyPA, GHSA, RustSec-style) served
//! as per-ecosystem `all.zip` files over loopback HTTP.

mod feed_files;

use std::io::Write;

use feed_files::{FeedServer, context, load_dir, refused_url, samples};
use scry_model::Vulnerability;
use scry_updaters::osv::{Ecosystem, OsvSet, OsvUpdater};
use scry_updaters::{Collect, Fetched, Updater, UpdaterError, UpdaterSet};
use serde_json::json;

const ZERO: &str = "semver:0.0.0.0.0.0.0.0.0.0";
const INFINITY: &str = "semver:65535.0.0.0.0.0.0.0.0.0";

async fn server() -> FeedServer {
    let mut files = load_dir(&samples("osv"));
    files.retain(|path, _| !path.starts_with("records/"));
    FeedServer::start(files).await
}

fn updater(server: &FeedServer, ecosystem: &str) -> OsvUpdater {
    OsvUpdater::new(&server.url(), Ecosystem::find(ecosystem).unwrap())
}

/// Fetches and parses one ecosystem; returns its records and fingerprint.
async fn run(server: &FeedServer, ecosystem: &str) -> (Vec<Vulnerability>, String) {
    let ctx = context(json!({}));
    let updater = updater(server, ecosystem);
    let Fetched::Changed(download) = updater.fetch(&ctx, None).await.unwrap() else {
        panic!("first fetch of {ecosystem} said unchanged");
    };
    let mut sink = Collect::default();
    updater.parse(&download, &mut sink).unwrap();
    (sink.vulnerabilities, download.fingerprint.clone())
}

fn find<'a>(vulns: &'a [Vulnerability], name: &str, package: &str) -> Vec<&'a Vulnerability> {
    vulns
        .iter()
        .filter(|v| v.name == name && v.package.as_ref().unwrap().name == package)
        .collect()
}

#[tokio::test]
async fn the_set_lists_supported_ecosystems_and_honours_the_allowlist() {
    let server = server().await;
    let ctx = context(json!({"osv": {"url": server.url()}}));
    let mut names: Vec<String> = OsvSet
        .updaters(&ctx)
        .await
        .unwrap()
        .iter()
        .map(|u| u.name().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "osv/crates.io",
            "osv/go",
            "osv/maven",
            "osv/npm",
            "osv/pypi",
            "osv/rubygems"
        ]
    );

    let ctx = context(json!({"osv": {"url": server.url(), "allowlist": ["PyPI", "go", "NuGet"]}}));
    let mut names: Vec<String> = OsvSet
        .updaters(&ctx)
        .await
        .unwrap()
        .iter()
        .map(|u| u.name().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["osv/go", "osv/pypi"]);

    let ctx = context(json!({"osv": {"url": server.url(), "allowlist": "PyPI"}}));
    let err = OsvSet.updaters(&ctx).await.err().unwrap();
    assert!(err.to_string().contains("allowlist"), "{err}");
}

#[tokio::test]
async fn pypi_ecosystem_ranges_become_query_strings() {
    let server = server().await;
    let (vulns, _) = run(&server, "PyPI").await;
    // PYSEC-2022-1: 3 spans; PYSEC-2022-10, GHSA-j3f7 (its npm package is left to
    // osv/npm), GHSA-4w8f: 1 each.
    assert_eq!(vulns.len(), 6, "{vulns:#?}");
    assert!(vulns.iter().all(|v| v.updater == "osv/pypi"));

    let django = find(&vulns, "PYSEC-2022-1", "django");
    let fixed: Vec<&str> = django.iter().map(|v| v.fixed_in_version.as_str()).collect();
    assert_eq!(
        fixed,
        [
            "introduced=2.2&fixed=2.2.26",
            "introduced=3.2&fixed=3.2.11",
            "introduced=4.0&fixed=4.0.1"
        ]
    );
    let first = django[0];
    assert_eq!(first.issued, "2022-01-05T00:15:00Z");
    assert!(
        first
            .description
            .starts_with("An issue was discovered in Django 2.2 before 2.2.26")
    );
    assert_eq!(first.range, None);
    let package = first.package.as_ref().unwrap();
    assert_eq!(
        (package.kind.as_str(), package.version.as_str()),
        ("binary", "")
    );
    let repo = first.repository.as_ref().unwrap();
    assert_eq!(
        (repo.name.as_str(), repo.uri.as_str()),
        ("pypi", "https://pypi.org/simple")
    );
    assert!(
        first
            .links
            .split(' ')
            .any(|l| l == "https://osv.dev/vulnerability/PYSEC-2022-1")
    );
    assert_eq!(
        (first.severity.as_str(), first.normalized_severity.as_str()),
        ("", "Unknown")
    );

    let s3file = find(&vulns, "GHSA-4w8f-hjm9-xwgf", "django-s3file");
    assert_eq!(s3file.len(), 1);
    assert_eq!(s3file[0].fixed_in_version, "fixed=5.5.1");
    // 9.1 computed from the vector, though the feed also says CRITICAL.
    assert_eq!(
        s3file[0].severity,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"
    );
    assert_eq!(s3file[0].normalized_severity, "Critical");

    let aws = find(&vulns, "GHSA-j3f7-7rmc-6wqj", "awsiotsdk");
    assert_eq!(aws[0].fixed_in_version, "fixed=1.7.0");
    assert_eq!(aws[0].normalized_severity, "High"); // 7.1
    let links: Vec<&str> = aws[0].links.split(' ').collect();
    assert!(links.contains(&"https://osv.dev/vulnerability/GHSA-j3f7-7rmc-6wqj"));
    assert!(
        links.contains(&"https://osv.dev/vulnerability/CVE-2021-40831"),
        "{links:?}"
    );
    assert!(find(&vulns, "GHSA-j3f7-7rmc-6wqj", "aws-iot-device-sdk-v2").is_empty());

    let pillow = find(&vulns, "PYSEC-2022-10", "pillow");
    assert_eq!(pillow[0].fixed_in_version, "fixed=9.0.0");
}

#[tokio::test]
async fn go_semver_ranges_are_normalized() {
    let server = server().await;
    let (vulns, _) = run(&server, "Go").await;
    // Five vulndb records (1+1+2+2+2) and two GHSA records (4+1).
    assert_eq!(vulns.len(), 13);
    let repo = vulns[0].repository.as_ref().unwrap();
    assert_eq!(
        (repo.name.as_str(), repo.uri.as_str()),
        ("go", "https://pkg.go.dev/")
    );

    let beego = find(&vulns, "GO-2022-0463", "github.com/beego/beego");
    assert_eq!(beego.len(), 1);
    assert_eq!(beego[0].fixed_in_version, "fixed=1.12.9");
    let range = beego[0].range.as_ref().unwrap();
    assert_eq!(
        (range.lower.as_str(), range.upper.as_str()),
        (ZERO, "semver:0.1.12.9.0.0.0.0.0.0")
    );
    assert_eq!(beego[0].issued, "2022-07-01T20:06:59Z");
    assert!(
        beego[0]
            .links
            .contains("https://osv.dev/vulnerability/CVE-2022-31259")
    );

    let v2 = find(&vulns, "GO-2022-0569", "github.com/beego/beego/v2");
    assert_eq!(v2[0].fixed_in_version, "introduced=2.0.0&fixed=2.0.4");
    let range = v2[0].range.as_ref().unwrap();
    assert_eq!(range.lower, "semver:0.2.0.0.0.0.0.0.0.0");
    assert_eq!(range.upper, "semver:0.2.0.4.0.0.0.0.0.0");

    // Introduced and never fixed: affected up to +∞, no fixed version.
    let open = find(&vulns, "GO-2022-0572", "github.com/beego/beego");
    assert_eq!(open[0].fixed_in_version, "");
    assert_eq!(open[0].range.as_ref().unwrap().upper, INFINITY);

    let stdlib = find(&vulns, "GO-2021-0159", "stdlib");
    assert_eq!(stdlib[0].fixed_in_version, "fixed=1.4.3");

    // GHSA's Go records use ECOSYSTEM ranges: the query form, no normalized range.
    let k8s = find(&vulns, "GHSA-qc2g-gmh6-95p4", "k8s.io/kubernetes");
    let mut fixed: Vec<&str> = k8s.iter().map(|v| v.fixed_in_version.as_str()).collect();
    fixed.sort();
    assert_eq!(
        fixed,
        [
            "fixed=1.24.15",
            "introduced=1.25.0&fixed=1.25.11",
            "introduced=1.26.0&fixed=1.26.6",
            "introduced=1.27.0&fixed=1.27.3"
        ]
    );
    assert!(
        k8s.iter()
            .all(|v| v.range.is_none() && v.normalized_severity == "Medium")
    );
    let gnark = find(
        &vulns,
        "GHSA-pffg-92cg-xf5c",
        "github.com/consensys/gnark-crypto",
    );
    assert_eq!(
        (
            gnark[0].severity.as_str(),
            gnark[0].normalized_severity.as_str()
        ),
        ("LOW", "Low")
    );
}

#[tokio::test]
async fn crates_npm_maven_and_rubygems() {
    let server = server().await;

    let (crates, _) = run(&server, "crates.io").await;
    assert_eq!(crates.len(), 3);
    let owning_ref = find(&crates, "RUSTSEC-2022-0040", "owning_ref");
    let range = owning_ref[0].range.as_ref().unwrap();
    // last_affected 0.4.1 → exclusive upper bound at the next patch.
    assert_eq!(
        (range.lower.as_str(), range.upper.as_str()),
        (ZERO, "semver:0.0.4.2.0.0.0.0.0.0")
    );
    assert_eq!(
        owning_ref[0].fixed_in_version,
        "introduced=0.0.0-0&lastAffected=0.4.1"
    );
    let rsa = find(&crates, "RUSTSEC-2023-0071", "rsa");
    assert_eq!(rsa[0].range.as_ref().unwrap().upper, INFINITY);
    assert_eq!(rsa[0].fixed_in_version, "introduced=0.0.0-0");
    assert_eq!(rsa[0].normalized_severity, "Medium"); // 5.9
    let time = find(&crates, "RUSTSEC-2020-0071", "time");
    assert_eq!(time[0].fixed_in_version, "introduced=0.0.0-0&fixed=0.2.23");
    assert_eq!(time[0].description.lines().next(), Some("### Impact"));
    let repo = time[0].repository.as_ref().unwrap();
    assert_eq!(
        (repo.name.as_str(), repo.uri.as_str()),
        ("crates.io", "https://crates.io")
    );

    let (npm, _) = run(&server, "npm").await;
    assert_eq!(npm.len(), 2);
    let ms = find(&npm, "GHSA-3fx5-fwvr-xrjg", "ms");
    assert_eq!(ms[0].fixed_in_version, "fixed=0.7.1");
    assert_eq!(ms[0].normalized_severity, "High"); // 7.5
    assert_eq!(
        ms[0].repository.as_ref().unwrap().uri,
        "https://registry.npmjs.org"
    );
    let sdk = find(&npm, "GHSA-j3f7-7rmc-6wqj", "aws-iot-device-sdk-v2");
    assert_eq!(
        sdk[0].range.as_ref().unwrap().upper,
        "semver:0.1.6.0.0.0.0.0.0.0"
    );
    assert_eq!(sdk[0].fixed_in_version, "fixed=1.6.0");

    let (maven, _) = run(&server, "Maven").await;
    assert_eq!(maven.len(), 4);
    let core = find(
        &maven,
        "GHSA-29qj-rvv6-qrmv",
        "org.jboss.resteasy:resteasy-core",
    );
    let fixed: Vec<&str> = core.iter().map(|v| v.fixed_in_version.as_str()).collect();
    assert_eq!(
        fixed,
        ["fixed=3.11.1.Final", "introduced=4.0.0&fixed=4.5.3.Final"]
    );
    assert_eq!(core[0].normalized_severity, "Medium"); // 5.4
    assert_eq!(core[0].repository.as_ref().unwrap().name, "maven");

    let (gems, _) = run(&server, "RubyGems").await;
    assert_eq!(gems.len(), 2);
    let rails = find(&gems, "GHSA-24fg-p96v-hxh8", "rails");
    assert_eq!(rails[0].fixed_in_version, "introduced=2.1.0&fixed=2.3.11");
    assert_eq!(
        (
            rails[0].severity.as_str(),
            rails[0].normalized_severity.as_str()
        ),
        ("MODERATE", "Medium")
    );
    assert_eq!(
        rails[0].repository.as_ref().unwrap().uri,
        "https://rubygems.org/gems/"
    );
}

#[tokio::test]
async fn an_unchanged_archive_is_not_downloaded_again() {
    let server = server().await;
    let ctx = context(json!({}));
    let updater = updater(&server, "PyPI");
    let (_, fingerprint) = run(&server, "PyPI").await;
    assert_eq!(fingerprint, feed_files::etag(&server.get("PyPI/all.zip")));
    assert!(matches!(
        updater.fetch(&ctx, Some(&fingerprint)).await.unwrap(),
        Fetched::Unchanged
    ));
    let (path, sent) = server.log().pop().unwrap();
    assert_eq!(
        (path.as_str(), sent.as_deref()),
        ("PyPI/all.zip", Some(fingerprint.as_str()))
    );
    // A changed archive is fetched again.
    let mut changed = server.get("PyPI/all.zip");
    changed.extend_from_slice(b"\0");
    server.set("PyPI/all.zip", changed);
    assert!(matches!(
        updater.fetch(&ctx, Some(&fingerprint)).await.unwrap(),
        Fetched::Changed(_)
    ));
}

async fn parse_error(server: &FeedServer) -> String {
    let ctx = context(json!({}));
    let updater = updater(server, "PyPI");
    let Fetched::Changed(download) = updater.fetch(&ctx, None).await.unwrap() else {
        panic!("unchanged");
    };
    let err = updater
        .parse(&download, &mut Collect::default())
        .unwrap_err();
    assert!(matches!(err, UpdaterError::Parse { .. }), "{err:?}");
    eprintln!("{err}");
    err.to_string()
}

#[tokio::test]
async fn a_truncated_zip_is_a_named_error() {
    let server = server().await;
    let whole = server.get("PyPI/all.zip");
    server.set("PyPI/all.zip", whole[..whole.len() / 2].to_vec());
    let err = parse_error(&server).await;
    assert!(
        err.contains("osv/pypi") && err.contains("PyPI/all.zip"),
        "{err}"
    );
    assert!(err.contains("not a readable zip archive"), "{err}");
}

#[tokio::test]
async fn bad_json_names_the_entry() {
    let server = server().await;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let good = std::fs::read(samples("osv/records/PYSEC-2022-1.json")).unwrap();
    zip.start_file("PYSEC-2022-1.json", options).unwrap();
    zip.write_all(&good).unwrap();
    zip.start_file("PYSEC-9999-1.json", options).unwrap();
    zip.write_all(br#"{"id": "PYSEC-9999-1", "affected": [{"package": "#)
        .unwrap();
    server.set("PyPI/all.zip", zip.finish().unwrap().into_inner());
    let err = parse_error(&server).await;
    assert!(err.contains("entry PYSEC-9999-1.json"), "{err}");
}

#[tokio::test]
async fn connection_refused_names_the_url() {
    let base = refused_url();
    let ctx = context(json!({"osv": {"url": base}}));
    let err = OsvSet.updaters(&ctx).await.err().unwrap();
    let text = err.to_string();
    assert!(matches!(err, UpdaterError::Fetch { .. }), "{err:?}");
    assert!(text.contains(&format!("{base}ecosystems.txt")), "{text}");

    let updater = OsvUpdater::new(&base, Ecosystem::find("npm").unwrap());
    let err = updater.fetch(&ctx, None).await.err().unwrap();
    assert!(
        err.to_string().contains(&format!("{base}npm/all.zip")),
        "{err}"
    );
}
