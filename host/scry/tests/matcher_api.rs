//! Clair's matcher API and the airgap workflow on a real `scry serve`: update
//! operations (ETag, 304, latest, kind), one operation, diffs, deletes, the indexer's
//! affected_manifest lookup, export → import giving the same reports, a corrupt bundle
//! rejected whole, and an unreachable feed failing cleanly while the service serves.

mod common;
mod debian_feed;
mod feed_updates;
mod matcher_common;
mod serve_common;

use std::collections::{BTreeSet, HashMap};

use debian_feed::debian_feed;
use feed_updates::*;
use matcher_common::*;
use reqwest::StatusCode;
use scry_updaters::debian::tracker_json;
use serve_common::*;

const OPS: &str = "/matcher/api/v1/internal/update_operation";
const DIFF: &str = "/matcher/api/v1/internal/update_diff";

async fn get(server: &Server, path: &str, if_none_match: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(format!("{}{path}", server.api))
        .bearer_auth(quay_token());
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    request.send().await.unwrap()
}

fn latest_ref(operations: &serde_json::Value) -> String {
    operations["debian/updater"][0]["ref"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn update_operations_diffs_affected_manifests_and_airgap() {
    let packages = common::tsv(&common::fixtures().join("bookworm/expected-dpkg.tsv"));
    let (entries, expected) = debian_feed(&packages);
    let (entries2, expected2, withdrawn, added) = second_feed(&entries, &expected);
    let feed = FeedServer::start(HashMap::from([
        (
            "/v1/json".to_string(),
            serde_json::to_vec(&tracker_json(&entries)).unwrap(),
        ),
        (
            "/v2/json".to_string(),
            serde_json::to_vec(&tracker_json(&entries2)).unwrap(),
        ),
    ]))
    .await;
    let server =
        Server::start_config("combo", None, "", &debian_config(&feed.url("/v1/json"))).await;
    let layers = LayerServer::start(&common::fixtures().join("bookworm/oci")).await;
    let manifest = index_bookworm(&server, &layers).await;
    assert_eq!(
        vulnerable_pairs(&vulnerability_report(&server, &manifest).await),
        expected
    );

    // Operations: ETag is the newest ref; a matching If-None-Match is 304.
    let resp = get(&server, OPS, None).await;
    assert_eq!(resp.status(), 200);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let operations: serde_json::Value = resp.json().await.unwrap();
    let first = latest_ref(&operations);
    assert_eq!(etag, format!("\"{first}\""));
    assert_eq!(operations["debian/updater"][0]["kind"], "vulnerability");
    assert_eq!(get(&server, OPS, Some(&etag)).await.status(), 304);
    let enrichments: serde_json::Value = get(&server, &format!("{OPS}?kind=enrichment"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(enrichments, serde_json::json!({}));
    assert_eq!(
        get(&server, &format!("{OPS}?kind=bogus"), None)
            .await
            .status(),
        400
    );
    let one: serde_json::Value = get(&server, &format!("{OPS}/{first}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one, operations["debian/updater"][0]);
    let unknown = "6f1c2b9e-0000-4000-8000-000000000000";
    assert_eq!(
        get(&server, &format!("{OPS}/{unknown}"), None)
            .await
            .status(),
        404
    );
    assert_eq!(
        get(&server, &format!("{OPS}/not-a-uuid"), None)
            .await
            .status(),
        400
    );

    // A diff against nothing adds everything the operation holds.
    let diff: serde_json::Value = get(&server, &format!("{DIFF}?cur={first}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(diff["prev"]["ref"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(diff["removed"], serde_json::Value::Null);
    let all_v1 = diff["added"].as_array().unwrap().clone();
    assert!(
        all_v1.len() >= entries.len() - 1,
        "{} of {}",
        all_v1.len(),
        entries.len()
    );
    assert_eq!(get(&server, DIFF, None).await.status(), 400);

    // affected_manifest: the manifests each vulnerability affects, by the same
    // matchers; exactly the CVEs the dpkg oracle says the image is vulnerable to.
    let affected: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/indexer/api/v1/internal/affected_manifest/",
            server.api
        ))
        .bearer_auth(quay_token())
        .json(&serde_json::json!({ "vulnerabilities": all_v1 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let affected_names: BTreeSet<String> = affected["vulnerable_manifests"][&manifest]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            affected["vulnerabilities"][id.as_str().unwrap()]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let expected_names: BTreeSet<String> = expected.iter().map(|(_, cve)| cve.clone()).collect();
    assert_eq!(affected_names, expected_names);
    assert_eq!(
        affected["vulnerable_manifests"].as_object().unwrap().len(),
        1
    );

    // Airgap: export the second feed, import it into the running server's database.
    let dir = tempfile::tempdir().unwrap();
    let bundle = export_debian(&feed.url("/v2/json"), dir.path(), "bundle");
    let server_config = server.dir.path().join("config.yaml");

    // A truncated bundle is rejected whole, naming the file; nothing is stored.
    let bytes = std::fs::read(&bundle).unwrap();
    let truncated = dir.path().join("truncated.json.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = airgap(
        &["import-updaters", truncated.to_str().unwrap()],
        &server_config,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("truncated.json.gz"),
        "{stderr}"
    );
    let after: serde_json::Value = get(&server, OPS, None).await.json().await.unwrap();
    assert_eq!(
        after, operations,
        "a rejected bundle leaves no operation behind"
    );

    import_bundle(&bundle, &server_config);
    // The same bundle again: its fingerprint is stored, so it is skipped.
    assert!(import_bundle(&bundle, &server_config).contains("skipped"));
    let operations2: serde_json::Value = get(&server, &format!("{OPS}?latest=true"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(operations2["debian/updater"].as_array().unwrap().len(), 1);
    let second = latest_ref(&operations2);
    assert_ne!(second, first);
    assert_eq!(
        get(&server, OPS, Some(&etag)).await.status(),
        200,
        "the ETag moved"
    );

    let diff: serde_json::Value = get(&server, &format!("{DIFF}?prev={first}&cur={second}"), None)
        .await
        .json()
        .await
        .unwrap();
    let names = |list: &serde_json::Value| -> BTreeSet<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&diff["added"]), BTreeSet::from([added.clone()]));
    assert_eq!(names(&diff["removed"]), BTreeSet::from([withdrawn.clone()]));
    assert_eq!(
        vulnerable_pairs(&vulnerability_report(&server, &manifest).await),
        expected2
    );

    // Deleting the newest operation falls back to the one before.
    let resp = reqwest::Client::new()
        .delete(format!("{}{OPS}/{second}", server.api))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        get(&server, &format!("{OPS}/{second}"), None)
            .await
            .status(),
        404
    );
    assert_eq!(
        vulnerable_pairs(&vulnerability_report(&server, &manifest).await),
        expected
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_feed_fails_cleanly_and_an_import_serves_the_same_report() {
    let packages = common::tsv(&common::fixtures().join("bookworm/expected-dpkg.tsv"));
    let (entries, expected) = debian_feed(&packages);
    let feed = FeedServer::start(HashMap::from([(
        "/json".to_string(),
        serde_json::to_vec(&tracker_json(&entries)).unwrap(),
    )]))
    .await;
    // Nothing listens on this port: the updater must fail, naming itself and the URL.
    let dead = format!("http://127.0.0.1:{}/json", free_port());
    let server = Server::start_config("combo", None, "", &debian_config(&dead)).await;
    let layers = LayerServer::start(&common::fixtures().join("bookworm/oci")).await;
    let manifest = index_bookworm(&server, &layers).await;

    let started = std::time::Instant::now();
    let metrics = loop {
        let text = reqwest::get(format!("{}/metrics", server.introspection))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("outcome=\"failed\"") || started.elapsed().as_secs() > 60 {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(
        metrics.contains("updater=\"debian/updater\",outcome=\"failed\"")
            || metrics.contains("outcome=\"failed\",updater=\"debian/updater\""),
        "{metrics}"
    );
    assert!(
        server.log().contains("debian/updater") && server.log().contains(&dead),
        "{}",
        server.log()
    );
    // Still serving: nothing stored yet, so 202 as Clair answers.
    let resp = get(
        &server,
        &format!("/matcher/api/v1/vulnerability_report/{manifest}"),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);

    let dir = tempfile::tempdir().unwrap();
    let bundle = export_debian(&feed.url("/json"), dir.path(), "bundle");
    import_bundle(&bundle, &server.dir.path().join("config.yaml"));
    // The same vulnerable set a server that fetched the feed itself reports (see
    // serve_matcher.rs), computed by the dpkg oracle.
    assert_eq!(
        vulnerable_pairs(&vulnerability_report(&server, &manifest).await),
        expected
    );
    let unknown = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let resp = get(
        &server,
        &format!("/matcher/api/v1/vulnerability_report/{unknown}"),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// `matchers.names` selects matchers by Clair's names; an unknown one stops startup
/// with an error that names it and the known ones.
#[test]
fn an_unknown_matcher_name_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "http_listen_addr: 127.0.0.1:{}\nintrospection_addr: 127.0.0.1:{}\n\
             matchers:\n  names: [debian-matcher, suse-matcher]\nupdaters:\n  sets: []\n\
             scry:\n  data_dir: {}\n",
            free_port(),
            free_port(),
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let out = common::run(
        common::scry()
            .args(["serve", "--mode", "combo", "--config"])
            .arg(&config),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("\"suse-matcher\"") && stderr.contains("debian-matcher"),
        "{stderr}"
    );
}
