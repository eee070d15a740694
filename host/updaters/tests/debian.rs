//! The `debian` set against a local HTTP server: the mirror's dists listing and Release
//! files, and real security-tracker JSON (vulnerablecode's sample, from
//! scripts/fixtures.sh) plus hand-written real-shape entries.

mod feed_server;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use feed_server::{
    FeedServer, Reply, context, data, fetch_new, oracle, parse, refused_url, sample,
};
use scry_model::{Distribution, Package, Vulnerability};
use scry_updaters::debian::{DebianSet, TrackerEntry, tracker_json};
use scry_updaters::{Fetched, Updater, UpdaterError, UpdaterSet};
use serde_json::json;

const JSON_PATH: &str = "/tracker/data/json";
const MIRROR_RELEASES: [&str; 6] = [
    "bookworm",
    "bullseye",
    "buster",
    "stretch",
    "sid",
    "bookworm-updates",
];

/// A mirror with bookworm 12, bullseye 11, buster 10, stretch 9 (and sid, without a
/// version; trixie listed but without a Release file) and the tracker JSON `tracker`.
async fn server(tracker: Vec<u8>) -> FeedServer {
    let mut routes = BTreeMap::new();
    routes.insert(
        "/debian/dists/".to_string(),
        Reply::file(data("debian/dists/index.html"), "dists"),
    );
    for suite in MIRROR_RELEASES {
        routes.insert(
            format!("/debian/dists/{suite}/Release"),
            Reply::file(data(&format!("debian/dists/{suite}/Release")), suite),
        );
    }
    routes.insert(JSON_PATH.to_string(), Reply::file(tracker, "tracker-1"));
    FeedServer::start(routes).await
}

fn mirror_config(server: &FeedServer) -> serde_json::Value {
    json!({"debian": {"json_url": server.url(JSON_PATH), "mirror_url": server.url("/")}})
}

async fn the_updater(config: serde_json::Value) -> (scry_updaters::FetchContext, Arc<dyn Updater>) {
    let ctx = context(config);
    let mut updaters = DebianSet.updaters(&ctx).await.expect("debian set");
    assert_eq!(updaters.len(), 1);
    let updater: Arc<dyn Updater> = Arc::from(updaters.remove(0));
    assert_eq!(updater.name(), "debian/updater");
    (ctx, updater)
}

fn debian(version_id: &str, codename: &str) -> Distribution {
    Distribution {
        did: "debian".into(),
        name: "Debian GNU/Linux".into(),
        version: format!("{version_id} ({codename})"),
        version_code_name: codename.into(),
        version_id: version_id.into(),
        pretty_name: format!("Debian GNU/Linux {version_id} ({codename})"),
        ..Distribution::default()
    }
}

fn source(name: &str) -> Package {
    Package {
        id: String::new(),
        name: name.into(),
        version: String::new(),
        kind: "source".into(),
        source: None,
        normalized_version: String::new(),
        module: String::new(),
        arch: String::new(),
        cpe: String::new(),
    }
}

fn find<'v>(
    vulns: &'v [Vulnerability],
    package: &str,
    name: &str,
    codename: &str,
) -> &'v Vulnerability {
    vulns
        .iter()
        .find(|v| {
            v.name == name
                && v.package.as_ref().unwrap().name == package
                && v.distribution.as_ref().unwrap().version_code_name == codename
        })
        .unwrap_or_else(|| panic!("no record for {package} {name} {codename}"))
}

#[tokio::test]
async fn real_tracker_sample_matches_the_oracle() {
    let server = server(sample("debian/tracker.json")).await;
    let (ctx, updater) = the_updater(mirror_config(&server)).await;
    let download = fetch_new(updater.as_ref(), &ctx).await;
    let vulns = parse(updater, download).await.vulnerabilities;

    // Releases come from the Release files: only suites with a Version, by codename.
    assert_eq!(
        server.hits("/debian/dists/trixie/Release"),
        1,
        "listed, 404, skipped"
    );
    for alias in [
        "sid",
        "stable",
        "oldstable",
        "experimental",
        "bookworm-updates",
    ] {
        assert_eq!(
            server.hits(&format!("/debian/dists/{alias}/Release")),
            0,
            "{alias}"
        );
    }

    let known: BTreeSet<&str> = ["bookworm", "bullseye", "buster", "stretch"].into();
    let expected: BTreeSet<Vec<String>> = oracle("expected-debian.tsv")
        .into_iter()
        .filter(|row| known.contains(row[2].as_str()))
        .collect();
    let got: BTreeSet<Vec<String>> = vulns
        .iter()
        .map(|v| {
            vec![
                v.package.as_ref().unwrap().name.clone(),
                v.name.clone(),
                v.distribution.as_ref().unwrap().version_code_name.clone(),
                v.fixed_in_version.clone(),
                v.severity.clone(),
                v.description.clone(),
            ]
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        vulns.len(),
        expected.len(),
        "one record per (package, CVE, release)"
    );
    assert_eq!(vulns.len(), 15);

    assert_eq!(
        *find(&vulns, "mimetex", "CVE-2009-1382", "buster"),
        Vulnerability {
            name: "CVE-2009-1382".into(),
            description: "Multiple stack-based buffer overflows in mimetex.cgi in mimeTeX".into(),
            links: "https://security-tracker.debian.org/tracker/CVE-2009-1382".into(),
            severity: "medium".into(),
            normalized_severity: "High".into(),
            package: Some(source("mimetex")),
            distribution: Some(debian("10", "buster")),
            fixed_in_version: "1.50-1.1".into(),
            issued: "0001-01-01T00:00:00Z".into(),
            ..Vulnerability::default()
        }
    );
    let open = find(&vulns, "librsync", "CVE-2014-8242", "buster");
    assert_eq!(open.fixed_in_version, "", "open: unfixed");
    assert_eq!(
        (open.severity.as_str(), open.normalized_severity.as_str()),
        ("low", "Medium")
    );
    let bookworm = find(&vulns, "atomicparsley", "CVE-2021-37231", "bookworm");
    assert_eq!(bookworm.fixed_in_version, "20210715.151551.e7ad03a-1");
    assert_eq!(bookworm.normalized_severity, "Unknown", "not yet assigned");
    assert_eq!(bookworm.distribution, Some(debian("12", "bookworm")));
    assert_eq!(
        find(&vulns, "mimetex", "TEMP-0000000-A2EB44", "stretch").fixed_in_version,
        "1.3.3"
    );
    assert!(
        !vulns
            .iter()
            .any(|v| v.distribution.as_ref().unwrap().version_code_name == "sid")
    );
    assert!(
        !vulns
            .iter()
            .any(|v| v.distribution.as_ref().unwrap().version_code_name == "jessie")
    );
}

#[tokio::test]
async fn statuses_urgencies_and_configured_releases() {
    let server = server(data("debian/tracker-extra.json")).await;
    let config = json!({"debian": {
        "json_url": server.url(JSON_PATH),
        "releases": {"bookworm": "12", "bullseye": "11.11", "stretch": 9}
    }});
    let (ctx, updater) = the_updater(config).await;
    let download = fetch_new(updater.as_ref(), &ctx).await;
    let vulns = parse(updater, download).await.vulnerabilities;
    assert_eq!(
        server.hits("/debian/dists/"),
        0,
        "configured releases: no mirror"
    );

    let fixed = |pkg, cve, rel| find(&vulns, pkg, cve, rel).fixed_in_version.clone();
    let normalized = |pkg, cve, rel| find(&vulns, pkg, cve, rel).normalized_severity.clone();
    assert_eq!(
        fixed("libxml2", "CVE-2016-9318", "bookworm"),
        "0",
        "not affected"
    );
    assert_eq!(
        fixed("libxml2", "CVE-2016-9318", "stretch"),
        "2.9.4+dfsg1-2.2+deb9u6"
    );
    assert_eq!(
        normalized("libxml2", "CVE-2016-9318", "bookworm"),
        "Low",
        "unimportant"
    );
    assert_eq!(
        normalized("libxml2", "CVE-2016-9318", "stretch"),
        "Critical",
        "high"
    );
    assert_eq!(fixed("openssl", "CVE-2024-0727", "bookworm"), "", "open");
    assert_eq!(
        normalized("openssl", "CVE-2024-0727", "bookworm"),
        "High",
        "medium**"
    );
    assert_eq!(
        find(&vulns, "openssl", "CVE-2024-0727", "bookworm").severity,
        "medium**"
    );
    assert_eq!(
        fixed("openssl", "CVE-2023-5678", "bullseye"),
        "1.1.1w-0+deb11u2"
    );
    assert_eq!(
        find(&vulns, "openssl", "CVE-2023-5678", "bullseye").distribution,
        Some(debian("11", "bullseye"))
    );
    assert_eq!(
        fixed("zlib", "CVE-2023-45853", "bookworm"),
        "1:1.2.13.dfsg-1"
    );
    assert_eq!(
        normalized("zlib", "CVE-2023-45853", "bookworm"),
        "Unknown",
        "end-of-life"
    );
    assert_eq!(
        find(&vulns, "zlib", "CVE-2023-45853", "bookworm").description,
        "",
        "null"
    );
    assert_eq!(normalized("linux", "CVE-2013-7445", "bookworm"), "Low");
    // buster (undetermined) and trixie are not configured here.
    assert_eq!(vulns.len(), 7);
}

#[tokio::test]
async fn undetermined_is_unfixed() {
    let server = server(data("debian/tracker-extra.json")).await;
    let (ctx, updater) = the_updater(mirror_config(&server)).await;
    let download = fetch_new(updater.as_ref(), &ctx).await;
    let vulns = parse(updater, download).await.vulnerabilities;
    let undetermined = find(&vulns, "openssl", "CVE-2024-0727", "buster");
    assert_eq!(undetermined.fixed_in_version, "");
    assert_eq!(undetermined.distribution, Some(debian("10", "buster")));
}

#[tokio::test]
async fn hand_made_tracker_json_is_accepted() {
    let entries = [
        TrackerEntry {
            source_package: "glibc".into(),
            cve: "CVE-2023-4911".into(),
            codename: "bookworm".into(),
            fixed_version: Some("2.36-9+deb12u3".into()),
            urgency: "high".into(),
            description: "Looney Tunables".into(),
        },
        TrackerEntry {
            source_package: "glibc".into(),
            cve: "CVE-2023-4911".into(),
            codename: "bullseye".into(),
            fixed_version: Some("0".into()),
            urgency: "high".into(),
            description: "Looney Tunables".into(),
        },
        TrackerEntry {
            source_package: "tar".into(),
            cve: "CVE-2005-2541".into(),
            codename: "bookworm".into(),
            fixed_version: None,
            urgency: "unimportant".into(),
            description: String::new(),
        },
    ];
    let body = serde_json::to_vec(&tracker_json(&entries)).unwrap();
    let server = server(body).await;
    let config = json!({"debian": {"json_url": server.url(JSON_PATH), "releases": {"bookworm": "12", "bullseye": "11"}}});
    let (ctx, updater) = the_updater(config).await;
    let download = fetch_new(updater.as_ref(), &ctx).await;
    let vulns = parse(updater, download).await.vulnerabilities;
    let got: BTreeSet<(String, String, String, String)> = vulns
        .iter()
        .map(|v| {
            (
                v.package.as_ref().unwrap().name.clone(),
                v.name.clone(),
                v.distribution.as_ref().unwrap().version_id.clone(),
                v.fixed_in_version.clone(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String, String)> = [
        ("glibc", "CVE-2023-4911", "12", "2.36-9+deb12u3"),
        ("glibc", "CVE-2023-4911", "11", "0"),
        ("tar", "CVE-2005-2541", "12", ""),
    ]
    .into_iter()
    .map(|(a, b, c, d)| (a.into(), b.into(), c.into(), d.into()))
    .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn second_fetch_with_the_fingerprint_is_unchanged() {
    let server = server(sample("debian/tracker.json")).await;
    let (ctx, updater) = the_updater(mirror_config(&server)).await;
    let first = fetch_new(updater.as_ref(), &ctx).await;
    let fingerprint = first.fingerprint.clone();
    assert!(fingerprint.contains("tracker-1"), "ETag in {fingerprint}");

    let again = updater.fetch(&ctx, Some(&fingerprint)).await.unwrap();
    assert!(matches!(again, Fetched::Unchanged));
    assert_eq!(server.hits(JSON_PATH), 2);
    assert_eq!(
        server.not_modified(JSON_PATH),
        1,
        "answered by a conditional GET"
    );

    // New content (new ETag): downloaded again, with a new fingerprint.
    server.set(
        JSON_PATH,
        Reply::file(sample("debian/tracker.json"), "tracker-2"),
    );
    let Fetched::Changed(changed) = updater.fetch(&ctx, Some(&fingerprint)).await.unwrap() else {
        panic!("a new ETag is a change");
    };
    assert_ne!(changed.fingerprint, fingerprint);

    // A different release set makes the old file useless: no validators are sent.
    let (ctx, fewer) = the_updater(json!({"debian": {
        "json_url": server.url(JSON_PATH), "releases": {"bookworm": "12"}
    }}))
    .await;
    let hits = server.not_modified(JSON_PATH);
    let Fetched::Changed(_) = fewer.fetch(&ctx, Some(&changed.fingerprint)).await.unwrap() else {
        panic!("changed releases must download again");
    };
    assert_eq!(server.not_modified(JSON_PATH), hits);
}

#[tokio::test]
async fn server_errors_and_garbage_name_the_source() {
    let server = server(b"<html><body>Service Unavailable</body></html>".to_vec()).await;
    let (ctx, updater) = the_updater(mirror_config(&server)).await;
    let download = fetch_new(updater.as_ref(), &ctx).await;
    let err = tokio::task::spawn_blocking(move || {
        updater
            .parse(&download, &mut scry_updaters::Collect::default())
            .unwrap_err()
    })
    .await
    .unwrap();
    let text = err.to_string();
    assert!(matches!(err, UpdaterError::Parse { .. }), "{text}");
    assert!(
        text.contains(&server.url(JSON_PATH)) && text.contains("tracker.json"),
        "{text}"
    );

    // Truncated JSON fails too, rather than yielding half a feed silently.
    server.set(
        JSON_PATH,
        Reply::file(&sample("debian/tracker.json")[..2000], "cut"),
    );
    let (ctx, updater) = the_updater(mirror_config(&server)).await;
    let download = fetch_new(updater.as_ref(), &ctx).await;
    let result = tokio::task::spawn_blocking(move || {
        updater.parse(&download, &mut scry_updaters::Collect::default())
    })
    .await
    .unwrap();
    assert!(result.unwrap_err().to_string().contains("EOF"));

    server.set(JSON_PATH, Reply::Status(500));
    let (ctx, updater) = the_updater(mirror_config(&server)).await;
    let hits = server.hits(JSON_PATH);
    let err = updater.fetch(&ctx, None).await.err().expect("500 fails");
    assert!(
        matches!(err, UpdaterError::Status { status: 500, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&server.url(JSON_PATH)), "{err}");
    assert_eq!(server.hits(JSON_PATH) - hits, 2, "retried once");

    // The mirror failing fails the set, naming the mirror URL.
    server.set("/debian/dists/bookworm/Release", Reply::Status(503));
    let err = DebianSet
        .updaters(&ctx)
        .await
        .err()
        .expect("mirror 503 fails the set");
    assert!(
        err.to_string().contains("/debian/dists/bookworm/Release"),
        "{err}"
    );
}

#[tokio::test]
async fn no_network_fails_cleanly() {
    let json_url = refused_url(JSON_PATH);
    let ctx = context(json!({"debian": {"json_url": json_url, "releases": {"bookworm": "12"}}}));
    let updater = DebianSet.updaters(&ctx).await.unwrap().remove(0);
    let err = updater.fetch(&ctx, None).await.err().expect("refused");
    let text = err.to_string();
    assert!(matches!(err, UpdaterError::Fetch { .. }), "{text}");
    assert!(
        text.contains(&json_url) && text.to_lowercase().contains("refused"),
        "{text}"
    );

    let mirror = refused_url("/");
    let ctx = context(json!({"debian": {"mirror_url": mirror}}));
    let err = DebianSet
        .updaters(&ctx)
        .await
        .err()
        .expect("mirror refused");
    assert!(err.to_string().contains("/debian/dists/"), "{err}");
}

#[tokio::test]
async fn old_config_keys_are_rejected() {
    let ctx = context(json!({"debian": {"url": "https://example.invalid/"}}));
    let err = DebianSet.updaters(&ctx).await.err().expect("old key");
    assert!(matches!(err, UpdaterError::Config { .. }), "{err}");
    assert!(err.to_string().contains("\"url\""), "{err}");
}

/// Records batch sizes: the parser must hand over bounded batches, not one big list.
#[derive(Default)]
struct BatchSizes(Vec<usize>);

impl scry_updaters::Sink for BatchSizes {
    fn vulnerabilities(
        &mut self,
        batch: Vec<Vulnerability>,
    ) -> Result<(), scry_updaters::SinkError> {
        self.0.push(batch.len());
        Ok(())
    }
    fn enrichments(
        &mut self,
        _: Vec<scry_model::EnrichmentRecord>,
    ) -> Result<(), scry_updaters::SinkError> {
        Ok(())
    }
    fn deleted(&mut self, _: Vec<String>) -> Result<(), scry_updaters::SinkError> {
        Ok(())
    }
}

#[tokio::test]
async fn records_go_out_in_batches() {
    let entries: Vec<TrackerEntry> = (0..5000)
        .map(|i| TrackerEntry {
            source_package: format!("pkg{}", i % 700),
            cve: format!("CVE-2024-{i:05}"),
            codename: "bookworm".into(),
            fixed_version: Some(format!("1.{i}-1")),
            urgency: "low".into(),
            description: String::new(),
        })
        .collect();
    let server = server(serde_json::to_vec(&tracker_json(&entries)).unwrap()).await;
    let config =
        json!({"debian": {"json_url": server.url(JSON_PATH), "releases": {"bookworm": "12"}}});
    let (ctx, updater) = the_updater(config).await;
    let download = fetch_new(updater.as_ref(), &ctx).await;
    let sizes = tokio::task::spawn_blocking(move || {
        let mut sink = BatchSizes::default();
        updater.parse(&download, &mut sink).unwrap();
        sink.0
    })
    .await
    .unwrap();
    let batch = scry_updaters::BATCH;
    assert_eq!(sizes, [batch, batch, 5000 - 2 * batch]);
}
