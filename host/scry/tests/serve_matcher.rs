//! `scry serve` as Quay's matcher, end to end: a real image indexed from a layer server,
//! a real-format feed served on loopback and fetched by the updaters, and the report's
//! vulnerable set compared with what the distribution's own version tool decides.

mod common;
mod matcher_common;
mod serve_common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use matcher_common::*;
use scry_updaters::debian::{TrackerEntry, tracker_json};
use serve_common::*;

/// One bookworm source package per verdict kind, round robin, plus entries that must
/// not match: another release, and a package the image lacks.
fn debian_feed(packages: &[Vec<String>]) -> (Vec<TrackerEntry>, BTreeSet<(String, String)>) {
    // name, version, source, source version, arch
    let mut sources: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in packages {
        sources
            .entry(row[2].clone())
            .or_default()
            .push((row[0].clone(), row[1].clone()));
    }
    let mut entries = Vec::new();
    let mut expected = BTreeSet::new();
    for (n, (source, binaries)) in sources.iter().enumerate() {
        let cve = format!("CVE-2099-{:05}", n + 1);
        let verdict = VERDICTS[n % VERDICTS.len()];
        // The source version the tracker would name: the first binary's version.
        let version = &binaries[0].1;
        let fixed = match verdict {
            Verdict::FixedAbove => Some(debian_above(version)),
            Verdict::FixedBelow => Some(debian_below(version)),
            Verdict::FixedEqual => Some(version.clone()),
            Verdict::Unfixed => None,
            Verdict::NotAffected => Some("0".to_string()),
        };
        for (binary, installed) in binaries {
            let vulnerable = match &fixed {
                None => true,
                Some(fixed) if fixed == "0" => false,
                Some(fixed) => dpkg_lt(installed, fixed),
            };
            if vulnerable {
                expected.insert((binary.clone(), cve.clone()));
            }
        }
        entries.push(TrackerEntry {
            source_package: source.clone(),
            cve: cve.clone(),
            codename: "bookworm".into(),
            fixed_version: fixed,
            urgency: ["low", "medium", "high", "unimportant"][n % 4].into(),
            description: format!("generated issue {n} in {source}"),
        });
        // The same package in another release, always "vulnerable" there.
        entries.push(TrackerEntry {
            source_package: source.clone(),
            cve: format!("CVE-2098-{:05}", n + 1),
            codename: "bullseye".into(),
            fixed_version: None,
            urgency: "high".into(),
            description: "bullseye only".into(),
        });
    }
    entries.push(TrackerEntry {
        source_package: "not-in-the-image".into(),
        cve: "CVE-2097-00001".into(),
        codename: "bookworm".into(),
        fixed_version: None,
        urgency: "high".into(),
        description: "no such package".into(),
    });
    (entries, expected)
}

async fn debian_case(connstring: Option<&str>) {
    let fixtures = common::fixtures();
    let packages = common::tsv(&fixtures.join("bookworm/expected-dpkg.tsv"));
    let (entries, expected) = debian_feed(&packages);
    assert!(
        expected.len() > 20,
        "the case must find something: {expected:?}"
    );
    let feed = FeedServer::start(HashMap::from([(
        "/tracker/data/json".to_string(),
        serde_json::to_vec(&tracker_json(&entries)).unwrap(),
    )]))
    .await;
    let matcher_conn = connstring
        .map(|c| format!("  connstring: \"{c}\"\n  migrations: true\n"))
        .unwrap_or_default();
    let rest = format!(
        "matcher:\n{matcher_conn}  period: 1h\n\
         updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: {}\n      releases: {{bookworm: \"12\", bullseye: \"11\"}}\n",
        feed.url("/tracker/data/json")
    );
    let server = Server::start_config("combo", connstring, "", &rest).await;
    let layout = fixtures.join("bookworm/oci");
    let layers = LayerServer::start(&layout).await;
    let (manifest, digests) = oci_image(&layout);
    let resp = reqwest::Client::new()
        .post(format!("{}/indexer/api/v1/index_report", server.api))
        .bearer_auth(quay_token())
        .json(&clair_manifest(&manifest, &digests, &layers))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", server.log());

    let report = vulnerability_report(&server, &manifest).await;
    assert_eq!(
        report["scry_matchers"]["failed"],
        serde_json::json!({}),
        "no matcher may fail"
    );
    let found = vulnerable_pairs(&report);
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "report differs from dpkg --compare-versions: missing {missing:?}, extra {extra:?}"
    );
    // Quay's schema: every vulnerability carries the required keys.
    for vulnerability in report["vulnerabilities"].as_object().unwrap().values() {
        for key in [
            "id",
            "updater",
            "name",
            "description",
            "links",
            "severity",
            "normalized_severity",
            "fixed_in_version",
        ] {
            assert!(
                vulnerability.get(key).is_some(),
                "{key} missing in {vulnerability}"
            );
        }
        assert_eq!(vulnerability["distribution"]["version_id"], "12");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn debian_image_matches_dpkg_on_sqlite() {
    debian_case(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn debian_image_matches_dpkg_on_postgres() {
    let db = PgDatabase::create("matcher_debian");
    debian_case(Some(&db.connstring())).await;
}
