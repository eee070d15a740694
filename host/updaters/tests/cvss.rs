//! The `clair.cvss` enrichment updater against NVD 2.0 yearly feeds (`.meta` +
//! `.json.gz`, 2002–2024) served over loopback HTTP.

mod feed_files;

use std::collections::BTreeMap;
use std::io::Write;

use feed_files::{FeedServer, context, load_dir, refused_url, samples};
use scry_model::UpdateKind;
use scry_updaters::cvss::{CvssSet, CvssUpdater};
use scry_updaters::{Collect, Download, FetchContext, Fetched, Updater, UpdaterError, UpdaterSet};
use serde_json::json;
use sha2::{Digest, Sha256};

async fn server() -> FeedServer {
    FeedServer::start(load_dir(&samples("nvd"))).await
}

fn ctx(server: &FeedServer) -> FetchContext {
    context(
        json!({"clair.cvss": {"feed_root": server.url(), "first_year": 2002, "last_year": "2024"}}),
    )
}

fn updater(server: &FeedServer) -> CvssUpdater {
    CvssUpdater::from_config(&ctx(server)).unwrap()
}

async fn fetch(server: &FeedServer, prev: Option<&str>) -> Download {
    match updater(server).fetch(&ctx(server), prev).await.unwrap() {
        Fetched::Changed(download) => download,
        Fetched::Unchanged => panic!("fetch said unchanged"),
    }
}

/// Replaces one year's feed with `json`, and its `.meta` to match.
fn set_feed(server: &FeedServer, year: u32, json: &[u8]) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(json).unwrap();
    server.set(&format!("nvdcve-2.0-{year}.json.gz"), gz.finish().unwrap());
    let meta = format!(
        "lastModifiedDate:2024-12-02T03:00:01-05:00\r\nsize:{}\r\nsha256:{}\r\n",
        json.len(),
        hex::encode_upper(Sha256::digest(json))
    );
    server.set(&format!("nvdcve-2.0-{year}.meta"), meta);
}

#[tokio::test]
async fn the_set_has_one_enrichment_updater() {
    let server = server().await;
    let updaters = CvssSet.updaters(&ctx(&server)).await.unwrap();
    assert_eq!(updaters.len(), 1);
    assert_eq!(updaters[0].name(), "clair.cvss");
    assert_eq!(updaters[0].kind(), UpdateKind::Enrichment);

    let bad = context(json!({"clair.cvss": {"first_year": 2024, "last_year": 2002}}));
    let err = CvssSet.updaters(&bad).await.err().unwrap();
    assert!(
        err.to_string()
            .contains("first_year 2024 is after last_year 2002"),
        "{err}"
    );
}

#[tokio::test]
async fn keeps_the_primary_v3_metric_of_each_cve() {
    let server = server().await;
    let download = fetch(&server, None).await;
    let mut sink = Collect::default();
    updater(&server).parse(&download, &mut sink).unwrap();
    let records = &sink.enrichments;
    let tags: Vec<&str> = records.iter().map(|r| r.tags[0].as_str()).collect();
    // Left out: v2-only CVEs (CVE-2003-0001, CVE-2005-4895), rejected ones
    // (CVE-2022-0094, CVE-2023-99001) and one with only a Secondary metric (CVE-2023-38545).
    assert_eq!(
        tags,
        [
            "CVE-2005-4900",
            "CVE-2023-0286",
            "CVE-2023-44487",
            "CVE-2024-3094",
            "CVE-2024-27983"
        ]
    );
    assert!(records.iter().all(|r| r.tags.len() == 1));

    let old = &records[0].enrichment;
    assert_eq!(old["version"], "3.0");
    assert_eq!(
        old["vectorString"],
        "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"
    );
    assert_eq!(old["baseScore"], 5.9);
    assert_eq!(old["baseSeverity"], "MEDIUM");

    let xz = &records[3].enrichment;
    assert_eq!(
        xz["vectorString"],
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"
    );
    assert_eq!(xz["baseScore"], 10.0);
    assert_eq!(xz["scope"], "CHANGED");
    // The record is cvssData itself, not the metric around it.
    assert!(xz.get("exploitabilityScore").is_none() && xz.get("cvssData").is_none());

    let node = &records[4].enrichment;
    assert_eq!(
        (node["version"].as_str(), node["baseScore"].as_f64()),
        (Some("3.0"), Some(5.9))
    );
}

#[tokio::test]
async fn unchanged_metas_mean_no_feed_downloads() {
    let server = server().await;
    let first = fetch(&server, None).await.fingerprint.clone();
    let hashes: BTreeMap<String, String> = serde_json::from_str(&first).unwrap();
    assert_eq!(hashes.len(), 23); // 2002..=2024
    let meta = String::from_utf8(server.get("nvdcve-2.0-2023.meta")).unwrap();
    assert!(
        meta.contains(&format!("sha256:{}", hashes["2023"])),
        "{meta}"
    );

    let before = server.log().len();
    let again = updater(&server)
        .fetch(&ctx(&server), Some(&first))
        .await
        .unwrap();
    assert!(matches!(again, Fetched::Unchanged));
    assert!(
        server.log()[before..]
            .iter()
            .all(|(path, _)| path.ends_with(".meta"))
    );

    set_feed(
        &server,
        2010,
        br#"{"format": "NVD_CVE", "vulnerabilities": []}"#,
    );
    let changed = fetch(&server, Some(&first)).await;
    assert_ne!(changed.fingerprint, first);
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
async fn broken_feeds_are_named_errors() {
    let server = server().await;
    let whole = server.get("nvdcve-2.0-2023.json.gz");
    server.set("nvdcve-2.0-2023.json.gz", whole[..whole.len() / 2].to_vec());
    let err = parse_error(&server).await;
    assert!(err.contains("clair.cvss nvdcve-2.0-2023.json.gz"), "{err}");

    let server = self::server().await;
    set_feed(
        &server,
        2024,
        br#"{"vulnerabilities": [{"cve": {"id": "CVE-2024-1", "metrics": "#,
    );
    let err = parse_error(&server).await;
    assert!(err.contains("clair.cvss nvdcve-2.0-2024.json.gz"), "{err}");

    // A feed that does not match its .meta (a stale or torn download).
    let server = self::server().await;
    let other = server.get("nvdcve-2.0-2024.json.gz");
    server.set("nvdcve-2.0-2023.json.gz", other);
    let err = parse_error(&server).await;
    assert!(
        err.contains("nvdcve-2.0-2023.json.gz") && err.contains("SHA-256"),
        "{err}"
    );

    let server = self::server().await;
    server.set(
        "nvdcve-2.0-2002.meta",
        "lastModifiedDate:2024-12-01T03:00:01-05:00\r\n",
    );
    let err = updater(&server)
        .fetch(&ctx(&server), None)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("nvdcve-2.0-2002.meta"), "{err}");
}

#[tokio::test]
async fn connection_refused_names_the_url() {
    let base = refused_url();
    let ctx =
        context(json!({"clair.cvss": {"feed_root": base, "first_year": 2023, "last_year": 2023}}));
    let updater = CvssUpdater::from_config(&ctx).unwrap();
    let err = updater.fetch(&ctx, None).await.err().unwrap();
    assert!(matches!(err, UpdaterError::Fetch { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("{base}nvdcve-2.0-2023.meta")),
        "{err}"
    );
}
