//! The `rhel-vex` delta updater against CSAF VEX documents in Red Hat's format, served
//! as the `.tar.zst` archive, `changes.csv`, `deletions.csv` and single documents over
//! loopback HTTP.

mod feed_files;

use std::collections::BTreeMap;

use feed_files::{FeedServer, context, etag, load_dir, refused_url, samples};
use scry_model::Vulnerability;
use scry_updaters::rhel_vex::{REPOSITORY_KEY, RhelVexSet, RhelVexUpdater};
use scry_updaters::{Collect, Download, Fetched, Updater, UpdaterError, UpdaterSet};
use serde_json::json;

const ARCHIVE: &str = "csaf_vex_2024-03-21.tar.zst";
const RHEL9_BASEOS: &str = "cpe:/o:redhat:enterprise_linux:9::baseos";
const VECTOR: &str = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H";

/// The archive, its pointer, every document at `<year>/<file>`, and the CSVs: one
/// document changed after the archive's day (2024-03-21), one before; one deletion.
async fn server() -> FeedServer {
    let dir = samples("rhel-vex");
    let mut files = BTreeMap::new();
    for (path, body) in load_dir(&dir) {
        if let Some(doc) = path.strip_prefix("archive/") {
            files.insert(doc.to_string(), body);
        } else if !path.starts_with("later/") {
            files.insert(path, body);
        }
    }
    files.insert(
        "changes.csv".into(),
        b"\"2023/cve-2023-0286.json\",\"2024-03-20T10:00:00+00:00\"\n\
          \"2024/cve-2024-27983.json\",\"2024-03-22T10:00:00+00:00\"\n"
            .to_vec(),
    );
    files.insert(
        "deletions.csv".into(),
        b"\"2024/cve-2024-1234.json\",\"2024-03-22T11:00:00+00:00\"\n".to_vec(),
    );
    FeedServer::start(files).await
}

fn updater(server: &FeedServer) -> RhelVexUpdater {
    RhelVexUpdater::from_config(&context(json!({"rhel-vex": {"url": server.url()}}))).unwrap()
}

async fn fetch(server: &FeedServer, prev: Option<&str>) -> Download {
    match updater(server)
        .fetch(&context(json!({})), prev)
        .await
        .unwrap()
    {
        Fetched::Changed(download) => download,
        Fetched::Unchanged => panic!("fetch said unchanged"),
    }
}

fn parse(server: &FeedServer, download: &Download) -> Collect {
    let mut sink = Collect::default();
    updater(server).parse(download, &mut sink).unwrap();
    sink
}

fn find<'a>(vulns: &'a [Vulnerability], name: &str, package: &str, cpe: &str) -> &'a Vulnerability {
    let found: Vec<&Vulnerability> = vulns
        .iter()
        .filter(|v| v.name == name && v.package.as_ref().unwrap().name == package)
        .filter(|v| v.repository.as_ref().unwrap().name == cpe)
        .collect();
    assert_eq!(found.len(), 1, "{name} {package} {cpe}: {vulns:#?}");
    found[0]
}

fn requested(server: &FeedServer) -> Vec<String> {
    server.log().into_iter().map(|(path, _)| path).collect()
}

#[tokio::test]
async fn the_set_has_one_delta_updater() {
    let updaters = RhelVexSet.updaters(&context(json!({}))).await.unwrap();
    assert_eq!(updaters.len(), 1);
    assert_eq!(updaters[0].name(), "rhel-vex");
    assert!(updaters[0].delta());
}

#[tokio::test]
async fn the_first_run_reads_the_archive_and_later_changes() {
    let server = server().await;
    let download = fetch(&server, None).await;
    let log = requested(&server);
    assert!(log.contains(&ARCHIVE.to_string()), "{log:?}");
    // Changed after the archive's day: fetched alone. Changed before it: not.
    assert!(
        log.contains(&"2024/cve-2024-27983.json".to_string()),
        "{log:?}"
    );
    assert!(
        !log.contains(&"2023/cve-2023-0286.json".to_string()),
        "{log:?}"
    );

    let parts: Vec<&str> = download.fingerprint.split('\\').collect();
    assert_eq!(parts.len(), 4, "{}", download.fingerprint);
    assert_eq!(parts[0], etag(&server.get("changes.csv")));
    assert_eq!(parts[1], etag(&server.get("deletions.csv")));
    assert_eq!(parts[3], "scry-1");

    let sink = parse(&server, &download);
    let vulns = &sink.vulnerabilities;
    // CVE-2023-0286: 4 fixed (arches merged, src left out) + 1 known-affected;
    // CVE-2024-27983: 3 rpms (the container and the bad PURL are skipped);
    // CVE-2014-0160 predates 2015; CVE-2024-1234 is a deleted document.
    assert_eq!(vulns.len(), 8, "{vulns:#?}");
    assert_eq!(sink.deleted, ["CVE-2024-1234"]);
    assert!(
        vulns
            .iter()
            .all(|v| v.updater == "rhel-vex" && v.name != "CVE-2014-0160")
    );

    let openssl9 = find(vulns, "CVE-2023-0286", "openssl", RHEL9_BASEOS);
    assert_eq!(openssl9.fixed_in_version, "1:3.0.7-6.el9_2");
    let package = openssl9.package.as_ref().unwrap();
    assert_eq!(package.arch, "^(aarch64|x86_64)$");
    assert_eq!(
        (package.kind.as_str(), package.module.as_str()),
        ("binary", "")
    );
    assert_eq!(openssl9.arch_op, "pattern match");
    let repo = openssl9.repository.as_ref().unwrap();
    assert_eq!(
        (repo.key.as_str(), repo.cpe.as_str()),
        (REPOSITORY_KEY, RHEL9_BASEOS)
    );
    assert_eq!(
        (
            openssl9.severity.as_str(),
            openssl9.normalized_severity.as_str()
        ),
        (VECTOR, "High")
    );
    assert_eq!(openssl9.issued, "2023-02-07T00:00:00+00:00");
    assert!(
        openssl9
            .description
            .starts_with("A type confusion vulnerability was found in OpenSSL")
    );
    let links: Vec<&str> = openssl9.links.split(' ').collect();
    for link in [
        "https://access.redhat.com/security/cve/CVE-2023-0286",
        "https://bugzilla.redhat.com/show_bug.cgi?id=2164440",
        "https://security.access.redhat.com/data/csaf/v2/vex/2023/cve-2023-0286.json",
        "https://access.redhat.com/errata/RHSA-2023:0946",
    ] {
        assert!(links.contains(&link), "{link} not in {links:?}");
    }

    let libs9 = find(vulns, "CVE-2023-0286", "openssl-libs", RHEL9_BASEOS);
    assert_eq!(libs9.package.as_ref().unwrap().arch, "^(aarch64|x86_64)$");
    let perl = find(
        vulns,
        "CVE-2023-0286",
        "openssl-perl",
        "cpe:/a:redhat:enterprise_linux:9::appstream",
    );
    assert_eq!(perl.package.as_ref().unwrap().arch, "^(x86_64)$");

    let openssl8 = find(
        vulns,
        "CVE-2023-0286",
        "openssl",
        "cpe:/o:redhat:enterprise_linux:8::baseos",
    );
    assert_eq!(openssl8.fixed_in_version, "1:1.1.1k-9.el8_7");
    assert!(
        openssl8.links.contains("RHSA-2023:1405") && !openssl8.links.contains("RHSA-2023:0946")
    );

    // Known affected: no fixed version, no architecture constraint.
    let rhel7 = find(
        vulns,
        "CVE-2023-0286",
        "openssl",
        "cpe:/o:redhat:enterprise_linux:7",
    );
    assert_eq!(
        (rhel7.fixed_in_version.as_str(), rhel7.arch_op.as_str()),
        ("", "")
    );
    assert_eq!(rhel7.package.as_ref().unwrap().arch, "");
    assert!(!rhel7.links.contains("errata"));
    assert!(
        !vulns
            .iter()
            .any(|v| v.repository.as_ref().unwrap().name.ends_with(":6"))
    );

    let appstream8 = "cpe:/a:redhat:enterprise_linux:8::appstream";
    let nodejs = find(vulns, "CVE-2024-27983", "nodejs", appstream8);
    assert_eq!(
        nodejs.fixed_in_version,
        "1:18.20.2-1.module+el8.9.0+21743+0b3f1be2"
    );
    assert_eq!(nodejs.package.as_ref().unwrap().module, "nodejs:18");
    assert_eq!(nodejs.normalized_severity, "High");
    assert!(nodejs.links.contains("RHSA-2024:2910"));
    let docs = find(vulns, "CVE-2024-27983", "nodejs-docs", appstream8);
    assert_eq!(docs.package.as_ref().unwrap().arch, "^(noarch)$");
    find(vulns, "CVE-2024-27983", "nodejs-full-i18n", appstream8);
}

/// `prev` with its request time replaced: what a run at `time` would have stored.
fn at_time(prev: &str, time: &str) -> String {
    let mut parts: Vec<&str> = prev.split('\\').collect();
    parts[2] = time;
    parts.join("\\")
}

#[tokio::test]
async fn later_runs_fetch_only_changes_and_deletions() {
    let server = server().await;
    let first = fetch(&server, None).await.fingerprint.clone();
    let ctx = context(json!({}));

    // Nothing changed: both CSVs answer 304.
    let before = server.log().len();
    assert!(matches!(
        updater(&server).fetch(&ctx, Some(&first)).await.unwrap(),
        Fetched::Unchanged
    ));
    let log = server.log()[before..].to_vec();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|(_, sent)| sent.is_some()), "{log:?}");

    // A new revision of one document, and a deletion, after the last run.
    let later = std::fs::read(samples("rhel-vex/later/2023/cve-2023-0286.json")).unwrap();
    server.set("2023/cve-2023-0286.json", later);
    let mut changes = server.get("changes.csv");
    changes.extend_from_slice(b"\"2023/cve-2023-0286.json\",\"2024-04-02T09:00:00+00:00\"\n");
    server.set("changes.csv", changes);
    let mut deletions = server.get("deletions.csv");
    deletions.extend_from_slice(b"\"2024/cve-2024-27983.json\",\"2024-04-02T10:00:00+00:00\"\n");
    server.set("deletions.csv", deletions);

    let prev = at_time(&first, "2024-04-01T00:00:00Z");
    let before = server.log().len();
    let download = fetch(&server, Some(&prev)).await;
    let log: Vec<String> = server.log()[before..]
        .iter()
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(
        log,
        ["changes.csv", "deletions.csv", "2023/cve-2023-0286.json"]
    );
    let parts: Vec<&str> = download.fingerprint.split('\\').collect();
    assert_eq!(parts[0], etag(&server.get("changes.csv")));
    assert!(
        parts[2] > "2024-04-01T00:00:00Z",
        "{}",
        download.fingerprint
    );

    let sink = parse(&server, &download);
    assert_eq!(sink.deleted, ["CVE-2024-27983"]);
    let vulns = &sink.vulnerabilities;
    // The new revision: RHEL 7 is fixed now, so no known-affected record.
    assert_eq!(vulns.len(), 5, "{vulns:#?}");
    let rhel7 = find(
        vulns,
        "CVE-2023-0286",
        "openssl",
        "cpe:/o:redhat:enterprise_linux:7::server",
    );
    assert_eq!(rhel7.fixed_in_version, "1:1.0.2k-26.el7_9");
    assert!(rhel7.links.contains("RHSA-2023:1335"));
    assert!(vulns.iter().all(|v| !v.fixed_in_version.is_empty()));

    // A fingerprint from another updater version means a full re-ingest.
    let before = server.log().len();
    fetch(&server, Some(&first.replace("scry-1", "scry-0"))).await;
    let log: Vec<String> = server.log()[before..]
        .iter()
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(
        log[..2],
        ["archive_latest.txt".to_string(), ARCHIVE.to_string()]
    );
}

async fn parse_error(server: &FeedServer) -> String {
    let download = fetch(server, None).await;
    let err = updater(server)
        .parse(&download, &mut Collect::default())
        .unwrap_err();
    assert!(matches!(err, UpdaterError::Parse { .. }), "{err:?}");
    eprintln!("{err}");
    err.to_string()
}

#[tokio::test]
async fn a_truncated_archive_is_a_named_error() {
    let server = server().await;
    let whole = server.get(ARCHIVE);
    server.set(ARCHIVE, whole[..whole.len() * 2 / 3].to_vec());
    let err = parse_error(&server).await;
    assert!(
        err.contains(&format!("rhel-vex archive {ARCHIVE}")),
        "{err}"
    );
    assert!(err.contains("entry"), "{err}");
}

#[tokio::test]
async fn bad_json_names_the_archive_entry_or_the_document() {
    let server = server().await;
    let mut tar = tar::Builder::new(Vec::new());
    for (path, body) in [
        (
            "2023/cve-2023-0286.json",
            server.get("2023/cve-2023-0286.json"),
        ),
        (
            "2024/cve-2024-9999.json",
            br#"{"document": {"tracking": "#.to_vec(),
        ),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, path, body.as_slice()).unwrap();
    }
    let archive = zstd::encode_all(tar.into_inner().unwrap().as_slice(), 3).unwrap();
    server.set(ARCHIVE, archive);
    let err = parse_error(&server).await;
    assert!(
        err.contains(&format!("archive {ARCHIVE} entry 2024/cve-2024-9999.json")),
        "{err}"
    );

    let server = self::server().await;
    server.set("2024/cve-2024-27983.json", "{\"document\": [");
    let err = parse_error(&server).await;
    assert!(
        err.contains(&format!("{}2024/cve-2024-27983.json", server.url())),
        "{err}"
    );
}

#[tokio::test]
async fn connection_refused_names_the_url() {
    let base = refused_url();
    let updater =
        RhelVexUpdater::from_config(&context(json!({"rhel-vex": {"url": base}}))).unwrap();
    let err = updater
        .fetch(&context(json!({})), None)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, UpdaterError::Fetch { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("{base}archive_latest.txt")),
        "{err}"
    );
}
