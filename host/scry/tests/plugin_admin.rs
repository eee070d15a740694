//! Hot-swapping scanner plugins on a running `scry serve` through the admin API:
//! under a steady load of index and report requests, the SDK template plugin (built
//! outside the workspace against `sdk/` alone) is added, finds its packages in the next
//! scan, is replaced by a new version and removed, with no failed request. Broken
//! plugins are rejected with the reason and the running set stays as it was.

mod common;
mod matcher_common;
mod serve_common;
mod template_build;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use matcher_common::{index_image, single_layer_image};
use serve_common::*;
use template_build::build_template;

const PLUGINS: &str = "/admin/api/v1/plugins";

fn admin_token() -> String {
    token("scry-admin", &psk_bytes(), 300)
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

async fn put(server: &Server, wasm: Vec<u8>, hash: &str) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .put(format!("{}{PLUGINS}", server.api))
        .bearer_auth(admin_token())
        .header("x-scry-content-hash", hash)
        .body(wasm)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

async fn listing(server: &Server) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{}{PLUGINS}", server.api))
        .bearer_auth(admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Index-state, index-report and report-shaped requests at `rate` per second, one task
/// each, until stopped: (sent, failures as "status path").
struct Load {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicUsize>,
    failures: Arc<std::sync::Mutex<Vec<String>>>,
    started: Instant,
}

impl Load {
    fn start(server: &Server, manifest: &str, rate: f64) -> Load {
        let load = Load {
            stop: Arc::default(),
            sent: Arc::default(),
            failures: Arc::default(),
            started: Instant::now(),
        };
        let (stop, sent, failures) = (load.stop.clone(), load.sent.clone(), load.failures.clone());
        let api = server.api.clone();
        let manifest = manifest.to_string();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                n += 1;
                let path = match n % 3 {
                    0 => "/indexer/api/v1/index_state".to_string(),
                    1 => format!("/indexer/api/v1/index_report/{manifest}"),
                    _ => format!("/matcher/api/v1/vulnerability_report/{manifest}"),
                };
                let (client, api, sent, failures) =
                    (client.clone(), api.clone(), sent.clone(), failures.clone());
                tokio::spawn(async move {
                    sent.fetch_add(1, Ordering::Relaxed);
                    let outcome = client
                        .get(format!("{api}{path}"))
                        .bearer_auth(quay_token())
                        .send()
                        .await;
                    match outcome {
                        // 202: the matcher has no vulnerability data yet, a normal answer.
                        Ok(resp) if resp.status().is_success() => {}
                        Ok(resp) => failures
                            .lock()
                            .unwrap()
                            .push(format!("{} {path}", resp.status())),
                        Err(err) => failures.lock().unwrap().push(format!("{err} {path}")),
                    }
                });
            }
        });
        load
    }

    /// Stops it; returns (requests, requests per second, failures).
    async fn finish(self) -> (usize, f64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let sent = self.sent.load(Ordering::Relaxed);
        let rate = sent as f64 / self.started.elapsed().as_secs_f64();
        // Let the last requests answer.
        tokio::time::sleep(Duration::from_secs(2)).await;
        (sent, rate, self.failures.lock().unwrap().clone())
    }
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
    let trap = std::fs::read(
        scry_plugins::HOSTILE
            .iter()
            .find(|(name, _)| *name == "trap")
            .unwrap()
            .1,
    )
    .unwrap();
    let garbage = b"\0asm but not really a component".to_vec();
    let huge = vec![0u8; (64 << 20) + 1];
    for (what, wasm, hash, status, reason) in [
        (
            "not a component",
            garbage.clone(),
            sha256(&garbage),
            400,
            "not a usable scanner plugin",
        ),
        (
            "wrong hash",
            v1.clone(),
            sha256(b"other"),
            400,
            "content hash mismatch",
        ),
        (
            "traps in its smoke scan",
            trap.clone(),
            sha256(&trap),
            400,
            "smoke scan",
        ),
        (
            "too large",
            huge.clone(),
            sha256(&huge),
            413,
            "over the limit",
        ),
    ] {
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
    let load = Load::start(&server, &bookworm, 60.0);
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
    let served: serde_json::Value = client
        .get(api("/indexer/api/v1/index_state"))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["state"], state_with_v1.as_str());

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
    let (sent, rate, failures) = load.finish().await;
    assert!(
        failures.is_empty(),
        "{} of {sent} requests failed: {failures:?}",
        failures.len()
    );
    assert!(rate >= 50.0, "the load was only {rate:.1} req/s");
    assert!(sent > 200, "{sent}");
}

async fn wait_for_listing(
    server: &Server,
    what: &str,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let listed = listing(server).await;
        if ok(&listed) {
            return listed;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: {listed}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn has_gemspec(listed: &serde_json::Value) -> bool {
    listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "gemspec")
}

/// The plugin directory is followed: a file added is checked and swapped in, a broken
/// one is refused (logged with the reason, set unchanged), a removed one taken out.
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

    let trap = scry_plugins::HOSTILE
        .iter()
        .find(|(name, _)| *name == "trap")
        .unwrap()
        .1;
    std::fs::copy(trap, dir.path().join("trap.wasm")).unwrap();
    let started = Instant::now();
    while !server.log().contains("plugin rejected") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        server.log().contains("smoke scan"),
        "the reason is logged: {}",
        server.log()
    );
    assert_eq!(
        listing(&server).await,
        before,
        "a refused plugin changes nothing"
    );

    std::fs::copy(&v1, dir.path().join("gemspec.wasm")).unwrap();
    let added = wait_for_listing(&server, "gemspec added", has_gemspec).await;
    assert_ne!(added["index_state"], before["index_state"]);
    let gemspec = added["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "gemspec")
        .unwrap()
        .clone();
    assert_eq!(gemspec["origin"], "directory");

    std::fs::remove_file(dir.path().join("gemspec.wasm")).unwrap();
    let removed = wait_for_listing(&server, "gemspec removed", |l| !has_gemspec(l)).await;
    assert_eq!(removed["index_state"], before["index_state"]);
}

async fn served_state(server: &Server) -> String {
    let state: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/indexer/api/v1/index_state", server.api))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    state["state"].as_str().unwrap().to_string()
}

/// Waits until `server` serves `state`; returns how long that took.
async fn until_state(server: &Server, state: &str) -> Duration {
    let started = Instant::now();
    while served_state(server).await != state {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not followed within 5 s\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

/// Fleet mode: the plugin set lives in the indexers' PostgreSQL; a swap on one indexer
/// reaches the other within seconds, and a broken component written into the database
/// is refused by every process, which keep their set.
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

    // Written straight into the database: a component that is not one.
    db.execute(
        "INSERT INTO plugin_blob (hash, wasm) VALUES ('sha256:broken', '\\x0061736d');\
         INSERT INTO plugin_override (name, hash, origin) VALUES ('dpkg', 'sha256:broken', 'sql');\
         UPDATE plugin_set_version SET version = version + 1",
    );
    for server in [&first, &second] {
        let started = Instant::now();
        while !server.log().contains("stored plugin set refused") {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(served_state(server).await, after, "the running set stays");
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
