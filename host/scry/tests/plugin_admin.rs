//! Hot-swapping scanner plugins on a running `scry serve` through the admin API:
//! under a steady load of index and report requests, the SDK template plugin (built
//! outside the workspace against `sdk/` alone) is added, finds its packages in the next
//! scan, is replaced by a new version and removed, with no failed request. Broken
//! plugins are rejected with the reason and the running set stays as it was.

mod common;
mod matcher_common;
mod plugin_common;
mod serve_common;
mod template_build;

use std::collections::BTreeSet;
use std::time::Duration;

use matcher_common::{index_image, single_layer_image};
use plugin_common::*;
use serve_common::*;
use template_build::build_template;

fn hostile(name: &str) -> Vec<u8> {
    let (_, path) = scry_bundled::HOSTILE
        .iter()
        .find(|(hostile, _)| *hostile == name)
        .unwrap();
    std::fs::read(path).unwrap()
}

/// Broken plugins, one per check, with the words their rejection must contain.
fn broken() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    vec![
        (
            "not a component",
            b"\0asm but not really a component".to_vec(),
            "not a valid WebAssembly component",
        ),
        (
            "wrong WIT version",
            hostile("wrong-wit"),
            "scry:plugin@0.3.0",
        ),
        ("traps in its smoke call", hostile("trap"), "smoke call"),
        ("too large", vec![0u8; (64 << 20) + 1], "over the limit"),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn plugins_are_swapped_under_load_and_broken_ones_rejected() {
    let v1 = std::fs::read(build_template(None)).unwrap();
    let v2 = std::fs::read(build_template(Some("2"))).unwrap();
    let server = Server::start("combo", None).await;

    // Only admin tokens: Quay's is authenticated but forbidden; none at all is 401.
    let api = |path: &str| format!("{}{path}", server.api);
    let client = reqwest::Client::new();
    let quay = client
        .get(api(PLUGINS))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap();
    assert_eq!(quay.status(), 403);
    assert_eq!(client.get(api(PLUGINS)).send().await.unwrap().status(), 401);
    let before = listing(&server).await;
    let names: BTreeSet<&str> = before["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains("dpkg") && !names.contains("gemspec"),
        "{before}"
    );
    let state_before = before["index_state"].as_str().unwrap().to_string();

    // Broken plugins, each refused with its reason; the running set is untouched.
    let mut cases: Vec<(&str, Vec<u8>, String, u16, &str)> = broken()
        .into_iter()
        .map(|(what, wasm, reason)| {
            let status = if what == "too large" { 413 } else { 400 };
            let hash = sha256(&wasm);
            (what, wasm, hash, status, reason)
        })
        .collect();
    cases.push((
        "wrong hash",
        v1.clone(),
        sha256(b"other"),
        400,
        "content hash mismatch",
    ));
    for (what, wasm, hash, status, reason) in cases {
        let (got, body) = put(&server, wasm, &hash).await;
        assert_eq!(got, status, "{what}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{what}: {message}");
        assert_eq!(
            listing(&server).await,
            before,
            "{what} changed the running set"
        );
    }

    // A steady load across the swaps.
    let layout = common::fixtures().join("bookworm/oci");
    let layers = LayerServer::start(&layout).await;
    let (bookworm, digests) = oci_image(&layout);
    index_image(&server, &layers, &bookworm, &digests).await;
    let load = Load::start(Load::reads(&server, &bookworm), 60.0);
    tokio::time::sleep(Duration::from_secs(2)).await;

    let (status, added) = put(&server, v1.clone(), &sha256(&v1)).await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["plugin"]["name"], "gemspec");
    assert_eq!(added["plugin"]["version"], "1");
    assert_eq!(added["previous_index_state"], state_before.as_str());
    assert_eq!(
        added["index_state_changed"], true,
        "a new scanner changes index_state"
    );
    let state_with_v1 = added["index_state"].as_str().unwrap().to_string();
    assert_eq!(served_state(&server).await, state_with_v1);

    // The next scan finds the template's packages.
    let ruby = common::fixtures().join("ruby");
    let (dir, manifest, ruby_layers) = single_layer_image(&ruby.join("layer.tar.gz"));
    let ruby_server = LayerServer::start(dir.path()).await;
    index_image(&server, &ruby_server, &manifest, &ruby_layers).await;
    let report: scry_model::IndexReport = client
        .get(api(&format!("/indexer/api/v1/index_report/{manifest}")))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expected: BTreeSet<(String, String)> = common::tsv(&ruby.join("expected-gems.tsv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(common::packages_in(&report, "ruby:"), expected);

    // The same build again (a re-upload): index_state stays.
    let (_, again) = put(&server, v1.clone(), &sha256(&v1)).await;
    assert_eq!(again["index_state_changed"], false, "{again}");
    // A new version changes it.
    let (status, upgraded) = put(&server, v2.clone(), &sha256(&v2)).await;
    assert_eq!(status, 200, "{upgraded}");
    assert_eq!(upgraded["plugin"]["version"], "2");
    assert_eq!(upgraded["index_state_changed"], true);
    assert_ne!(upgraded["index_state"], state_with_v1.as_str());
    let listed = listing(&server).await;
    assert!(
        listed["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "gemspec"
                && p["version"] == "2"
                && p["origin"] == "api"
                && p["content_hash"] == sha256(&v2).as_str()),
        "{listed}"
    );

    let removed = client
        .delete(api(&format!("{PLUGINS}/gemspec")))
        .bearer_auth(admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    let removed: serde_json::Value = removed.json().await.unwrap();
    assert_eq!(removed["index_state"], state_before.as_str());
    let unknown = client
        .delete(api(&format!("{PLUGINS}/gemspec")))
        .bearer_auth(admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    tokio::time::sleep(Duration::from_secs(2)).await;
    load.finish_cleanly(50.0).await;
}

fn has_gemspec(listed: &serde_json::Value) -> bool {
    listed_plugin(listed, "gemspec").is_some()
}

const FOLLOW: Duration = Duration::from_secs(20);

/// The plugin directory is followed: a file added is checked and swapped in, broken
/// ones are refused (logged with the reason, set unchanged), a removed one taken out.
#[tokio::test(flavor = "multi_thread")]
async fn the_plugin_directory_is_followed() {
    let v1 = build_template(None);
    let dir = tempfile::tempdir().unwrap();
    let rest = format!(
        "  plugin_dir: {}\nupdaters:\n  sets: []\n",
        dir.path().display()
    );
    let server = Server::start_config("combo", None, "", &rest).await;
    let before = listing(&server).await;
    assert!(!has_gemspec(&before));

    for (what, wasm, reason) in broken() {
        let file = dir.path().join(format!("{}.wasm", what.replace(' ', "-")));
        std::fs::write(&file, wasm).unwrap();
        let logged = format!("path={} ", file.display());
        until_logged(&server, &logged, FOLLOW).await;
        let line = server
            .log()
            .lines()
            .find(|line| line.contains(&logged))
            .unwrap()
            .to_string();
        assert!(
            line.contains("plugin rejected") && line.contains(reason),
            "{what}: {line}"
        );
        assert_eq!(
            listing(&server).await,
            before,
            "{what}: a refused plugin changes nothing"
        );
        std::fs::remove_file(&file).unwrap();
    }

    // The listing reads the plugin list and the state one after the other: during a
    // swap one can lead the other, so wait for both to show the change.
    std::fs::copy(&v1, dir.path().join("gemspec.wasm")).unwrap();
    let changed = |l: &serde_json::Value| l["index_state"] != before["index_state"];
    let (added, _) = wait_for_listing(&server, "gemspec added", FOLLOW, |l| {
        has_gemspec(l) && changed(l)
    })
    .await;
    let gemspec = listed_plugin(&added, "gemspec").unwrap();
    assert_eq!(gemspec["origin"], "directory");
    assert_eq!(gemspec["world"], "scanner");

    std::fs::remove_file(dir.path().join("gemspec.wasm")).unwrap();
    // Back to the built-in set: the state it started with.
    wait_for_listing(&server, "gemspec removed", FOLLOW, |l| {
        !has_gemspec(l) && !changed(l)
    })
    .await;
}

/// Fleet mode: the plugin set lives in the indexers' PostgreSQL; a swap on one indexer
/// reaches the other within seconds, and broken components written into the database
/// (one per check) are refused by every process, which keep their set.
#[tokio::test(flavor = "multi_thread")]
async fn a_swap_reaches_every_indexer_on_one_postgresql() {
    let v1 = std::fs::read(build_template(None)).unwrap();
    let db = PgDatabase::create("plugin_fleet");
    let pg = db.connstring();
    let first = Server::start("indexer", Some(&pg)).await;
    let second = Server::start("indexer", Some(&pg)).await;
    let before = served_state(&second).await;
    assert_eq!(served_state(&first).await, before);

    let (status, added) = put(&first, v1.clone(), &sha256(&v1)).await;
    assert_eq!(status, 200, "{added}");
    let after = added["index_state"].as_str().unwrap().to_string();
    assert_ne!(after, before);
    let followed = until_state(&second, &after).await;
    eprintln!("the second indexer followed in {followed:?}");
    assert!(has_gemspec(&listing(&second).await));

    // Written straight into the database as another tool might: each broken kind.
    for (n, (what, wasm, reason)) in broken().into_iter().enumerate() {
        let hash = format!("sha256:broken{n}");
        let refusals = |log: &str| log.matches("stored plugin set refused").count();
        let seen = [refusals(&first.log()), refusals(&second.log())];
        let bytes = if what == "too large" {
            format!("decode(repeat('00', {}), 'hex')", wasm.len())
        } else {
            format!("'\\x{}'::bytea", hex::encode(&wasm))
        };
        db.execute(&format!(
            "INSERT INTO plugin_blob (hash, wasm) VALUES ('{hash}', {bytes});\
             INSERT INTO plugin_override (name, hash, origin) VALUES ('dpkg', '{hash}', 'sql') \
               ON CONFLICT (name) DO UPDATE SET hash = excluded.hash;\
             UPDATE plugin_set_version SET version = version + 1"
        ));
        for (server, seen) in [&first, &second].into_iter().zip(seen) {
            let started = std::time::Instant::now();
            while refusals(&server.log()) == seen {
                assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "{what}: {}",
                    server.log()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let log = server.log();
            let line = log
                .lines()
                .rfind(|line| line.contains("stored plugin set refused"))
                .unwrap();
            assert!(line.contains(reason), "{what}: {line}");
            assert_eq!(
                served_state(server).await,
                after,
                "{what}: the running set stays"
            );
        }
    }
    db.execute(
        "DELETE FROM plugin_override WHERE name = 'dpkg';\
         UPDATE plugin_set_version SET version = version + 1",
    );

    // Removed on the second, followed by the first.
    let removed = reqwest::Client::new()
        .delete(format!("{}{PLUGINS}/gemspec", second.api))
        .bearer_auth(admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    until_state(&first, &before).await;
    assert!(!has_gemspec(&listing(&first).await));
}
