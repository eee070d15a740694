//! `scry serve` as Quay's matcher, end to end: a real image indexed from a layer server,
//! a real-format feed served on loopback and fetched by the updaters, and the report's
//! vulnerable set compared with what the distribution's own version tool decides.

mod common;
mod debian_feed;
mod matcher_common;
mod serve_common;

use std::collections::HashMap;

use debian_feed::debian_feed;
use matcher_common::*;
use scry_updaters::debian::tracker_json;
use serve_common::*;

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

/// Quay's split deployment: an indexer and a matcher process on one PostgreSQL; the
/// matcher fetches index reports from the indexer over HTTP with a signed token.
#[tokio::test(flavor = "multi_thread")]
async fn split_mode_matcher_asks_the_indexer_over_http() {
    let db = PgDatabase::create("matcher_split");
    let fixtures = common::fixtures();
    let packages = common::tsv(&fixtures.join("bookworm/expected-dpkg.tsv"));
    let (entries, expected) = debian_feed(&packages);
    let feed = FeedServer::start(HashMap::from([(
        "/json".to_string(),
        serde_json::to_vec(&tracker_json(&entries)).unwrap(),
    )]))
    .await;
    let indexer = Server::start("indexer", Some(&db.connstring())).await;
    let rest = format!(
        "matcher:\n  connstring: \"{}\"\n  migrations: true\n  indexer_addr: {}\n\
         updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: {}\n      releases: {{bookworm: \"12\"}}\n",
        db.connstring(),
        indexer.api,
        feed.url("/json")
    );
    let matcher = Server::start_config("matcher", Some(&db.connstring()), "", &rest).await;
    // The matcher serves no indexer routes, the indexer no matcher routes.
    let client = reqwest::Client::new();
    let on = |server: &Server, path: &str| {
        client
            .get(format!("{}{path}", server.api))
            .bearer_auth(quay_token())
            .send()
    };
    assert_eq!(
        on(&matcher, "/indexer/api/v1/index_state")
            .await
            .unwrap()
            .status(),
        404
    );
    let layout = fixtures.join("bookworm/oci");
    let layers = LayerServer::start(&layout).await;
    let (manifest, digests) = oci_image(&layout);
    let resp = client
        .post(format!("{}/indexer/api/v1/index_report", indexer.api))
        .bearer_auth(quay_token())
        .json(&clair_manifest(&manifest, &digests, &layers))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", indexer.log());
    let report = vulnerability_report(&matcher, &manifest).await;
    assert_eq!(vulnerable_pairs(&report), expected, "{}", matcher.log());
    assert_eq!(
        report["packages"].as_object().unwrap().len(),
        packages.len(),
        "the index report came from the indexer"
    );
}
