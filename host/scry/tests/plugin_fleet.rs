//! Hot-swapping first-party plugins across processes on one PostgreSQL, as a fleet
//! runs: a new build of the dpkg scanner with a new version reaches both indexers under
//! a steady load of index and report requests (no request fails, reports made after it
//! carry the new version, the layer is rescanned by dpkg only), a fix under the same
//! version keeps `index_state`; a new build of the Debian matcher reaches both matchers
//! and the reports they serve, and removing it is followed too.

mod common;
mod debian_feed;
mod matcher_common;
mod plugin_common;
mod serve_common;
mod template_build;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use debian_feed::debian_feed;
use matcher_common::{index_image, vulnerability_report, vulnerable_pairs};
use plugin_common::*;
use scry_updaters::debian::tracker_json;
use serde_json::Value;
use serve_common::*;
use template_build::build_first_party;

/// The (name, version) of each scanner a report says made it.
fn scanners_of(report: &Value) -> BTreeSet<(String, String)> {
    report["scry_scanners"]
        .as_array()
        .unwrap_or_else(|| panic!("no scry_scanners: {report}"))
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn packages(report: &Value) -> BTreeSet<(String, String)> {
    report["packages"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn post_index(server: &Server, manifest: &Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{}/indexer/api/v1/index_report", server.api))
        .bearer_auth(quay_token())
        .json(manifest)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", server.log());
    resp.json().await.unwrap()
}

async fn get_index(server: &Server, digest: &str) -> Value {
    reqwest::Client::new()
        .get(format!(
            "{}/indexer/api/v1/index_report/{digest}",
            server.api
        ))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Scans by `plugin` on both indexers.
async fn scans(servers: [&Server; 2], plugin: &str) -> f64 {
    let label = format!("plugin=\"{plugin}\"");
    let mut total = 0.0;
    for server in servers {
        total += metric(server, "scry_plugin_scan_seconds_count", &label).await;
    }
    total
}

#[tokio::test(flavor = "multi_thread")]
async fn dpkg_is_swapped_under_load_across_two_indexers() {
    let v2 = std::fs::read(build_first_party("dpkg", "2", "s")).unwrap();
    let fix = std::fs::read(build_first_party("dpkg", "2", "z")).unwrap();
    assert_ne!(sha256(&v2), sha256(&fix), "the fix is another component");
    let db = PgDatabase::create("plugin_dpkg_fleet");
    let pg = db.connstring();
    let first = Server::start("combo", Some(&pg)).await;
    let second = Server::start("indexer", Some(&pg)).await;

    let layout = common::fixtures().join("bookworm/oci");
    let layers = LayerServer::start(&layout).await;
    let (bookworm, digests) = oci_image(&layout);
    index_image(&first, &layers, &bookworm, &digests).await;
    let manifest = clair_manifest(&bookworm, &digests, &layers);
    let before = get_index(&second, &bookworm).await;
    assert!(scanners_of(&before).contains(&("dpkg".into(), "1".into())));
    let state_before = served_state(&first).await;

    // Index and report requests on both indexers, ≥ 50 a second, across the swaps.
    let index = |server: &Server| {
        Request::Post(
            format!("{}/indexer/api/v1/index_report", server.api),
            manifest.clone(),
        )
    };
    let mut requests = Load::reads(&first, &bookworm);
    requests.extend([
        index(&first),
        index(&second),
        Request::Get(format!("{}/indexer/api/v1/index_state", second.api)),
        Request::Get(format!(
            "{}/indexer/api/v1/index_report/{bookworm}",
            second.api
        )),
    ]);
    let load = Load::start(requests, 60.0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let servers = [&first, &second];
    let (dpkg_scans, os_release_scans) = (
        scans(servers, "dpkg").await,
        scans(servers, "os-release").await,
    );

    let (status, swapped) = put(&first, v2.clone(), &sha256(&v2)).await;
    assert_eq!(status, 200, "{swapped}");
    assert_eq!(swapped["plugin"]["name"], "dpkg");
    assert_eq!(swapped["plugin"]["version"], "2");
    assert_eq!(swapped["previous_index_state"], state_before.as_str());
    assert_eq!(swapped["index_state_changed"], true, "{swapped}");
    let state_v2 = swapped["index_state"].as_str().unwrap().to_string();
    let followed = until_state(&second, &state_v2).await;
    eprintln!("the second indexer followed in {followed:?}");

    // Reports made after the swap say dpkg 2 made them, and find the same packages.
    let after = post_index(&first, &manifest).await;
    assert!(
        scanners_of(&after).contains(&("dpkg".into(), "2".into())),
        "{after}"
    );
    assert!(!scanners_of(&after).contains(&("dpkg".into(), "1".into())));
    assert_eq!(packages(&after), packages(&before));
    let stored = get_index(&second, &bookworm).await;
    assert_eq!(scanners_of(&stored), scanners_of(&after));
    // The layer was rescanned by the new dpkg only; the other scanners' results reused.
    assert!(scans(servers, "dpkg").await > dpkg_scans);
    assert_eq!(scans(servers, "os-release").await, os_release_scans);

    // A fix under the same version: a new component, the same index_state, no rescan.
    let dpkg_scans = scans(servers, "dpkg").await;
    let (status, fixed) = put(&first, fix.clone(), &sha256(&fix)).await;
    assert_eq!(status, 200, "{fixed}");
    assert_eq!(fixed["index_state_changed"], false, "{fixed}");
    assert_eq!(fixed["index_state"], state_v2.as_str());
    let fix_hash = sha256(&fix);
    wait_for_listing(
        &second,
        "the fix on the second",
        Duration::from_secs(5),
        |l| listed_plugin(l, "dpkg").is_some_and(|p| p["content_hash"] == fix_hash.as_str()),
    )
    .await;
    post_index(&second, &manifest).await;
    assert_eq!(scans(servers, "dpkg").await, dpkg_scans);

    tokio::time::sleep(Duration::from_secs(2)).await;
    load.finish_cleanly(50.0).await;
}

/// The matcher names what judged each report: (name → version).
fn matcher_versions(report: &Value) -> HashMap<String, String> {
    serde_json::from_value(report["scry_matchers"]["versions"].clone()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_debian_matcher_is_swapped_across_two_matchers() {
    let v2 = std::fs::read(build_first_party("matchers/debian", "2", "s")).unwrap();
    let packages = common::tsv(&common::fixtures().join("bookworm/expected-dpkg.tsv"));
    let (entries, expected) = debian_feed(&packages);
    let feed = FeedServer::start(HashMap::from([(
        "/tracker/data/json".to_string(),
        serde_json::to_vec(&tracker_json(&entries)).unwrap(),
    )]))
    .await;
    let db = PgDatabase::create("plugin_matcher_fleet");
    let pg = db.connstring();
    let indexer = Server::start("indexer", Some(&pg)).await;
    let matcher_config = format!(
        "matcher:\n  connstring: \"{pg}\"\n  migrations: true\n  period: 1h\n  indexer_addr: {}\n\
         updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: {}\n      releases: {{bookworm: \"12\", bullseye: \"11\"}}\n",
        indexer.api,
        feed.url("/tracker/data/json")
    );
    let first = Server::start_config("matcher", Some(&pg), "", &matcher_config).await;
    let second = Server::start_config("matcher", Some(&pg), "", &matcher_config).await;

    let layout = common::fixtures().join("bookworm/oci");
    let layers = LayerServer::start(&layout).await;
    let (bookworm, digests) = oci_image(&layout);
    index_image(&indexer, &layers, &bookworm, &digests).await;
    let before = vulnerability_report(&second, &bookworm).await;
    assert_eq!(vulnerable_pairs(&before), expected);
    assert_eq!(matcher_versions(&before)["debian-matcher"], "1");

    // Each upload goes to the set of its world, and only a process running it takes it.
    let scanner = scry_bundled::FIRST_PARTY[0].wasm.to_vec();
    let (status, body) = put(&first, scanner.clone(), &sha256(&scanner)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("send it to an indexer"),
        "{body}"
    );
    let (status, body) = put(&indexer, v2.clone(), &sha256(&v2)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("send it to a matcher"),
        "{body}"
    );

    let load = Load::start(
        vec![
            Request::Get(format!(
                "{}/matcher/api/v1/vulnerability_report/{bookworm}",
                first.api
            )),
            Request::Get(format!(
                "{}/matcher/api/v1/vulnerability_report/{bookworm}",
                second.api
            )),
        ],
        50.0,
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (status, swapped) = put(&first, v2.clone(), &sha256(&v2)).await;
    assert_eq!(status, 200, "{swapped}");
    assert_eq!(swapped["plugin"]["world"], "matcher");
    assert_eq!(swapped["plugin"]["version"], "2");
    assert_eq!(swapped["matcher_state_changed"], true, "{swapped}");
    let (_, followed) =
        wait_for_listing(&second, "debian-matcher 2", Duration::from_secs(5), |l| {
            listed_plugin(l, "debian-matcher").is_some_and(|p| p["version"] == "2")
        })
        .await;
    eprintln!("the second matcher followed in {followed:?}");
    let after = vulnerability_report(&second, &bookworm).await;
    assert_eq!(matcher_versions(&after)["debian-matcher"], "2");
    assert_eq!(
        vulnerable_pairs(&after),
        expected,
        "the new build judges alike"
    );

    // Removed on the second, followed by the first: its reports lose Debian's verdicts.
    let removed = reqwest::Client::new()
        .delete(format!("{}{PLUGINS}/debian-matcher", second.api))
        .bearer_auth(admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    wait_for_listing(
        &first,
        "debian-matcher removed",
        Duration::from_secs(5),
        |l| listed_plugin(l, "debian-matcher").is_none(),
    )
    .await;
    let without = vulnerability_report(&first, &bookworm).await;
    assert!(!matcher_versions(&without).contains_key("debian-matcher"));
    assert!(vulnerable_pairs(&without).is_empty(), "{without}");

    load.finish_cleanly(45.0).await;
}
