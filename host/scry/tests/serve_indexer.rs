//! `scry serve` as Quay's indexer: real processes, real HTTP on loopback, real layers
//! from a server that demands a Bearer token, SQLite and PostgreSQL.

mod common;
mod serve_common;

use std::time::Duration;

use reqwest::StatusCode;
use serve_common::*;

const REPORT: &str = "/indexer/api/v1/index_report";
const STATE: &str = "/indexer/api/v1/index_state";

async fn index_state(server: &Server) -> String {
    let resp = reqwest::Client::new()
        .get(format!("{}{STATE}", server.api))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let body: serde_json::Value = resp.json().await.unwrap();
    let state = body["state"].as_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{state}\""));
    state
}

async fn post(server: &Server, manifest: &serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}{REPORT}", server.api))
        .bearer_auth(quay_token())
        .json(manifest)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap()
}

async fn get(server: &Server, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", server.api))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap()
}

/// The whole Quay flow against one server.
async fn quay_flow(server: &Server) {
    let layout = common::fixtures().join("multilayer/oci");
    let layers = LayerServer::start(&layout).await;
    let (manifest, digests) = oci_image(&layout);
    let body = clair_manifest(&manifest, &digests, &layers);
    let state = index_state(server).await;

    let resp = post(server, &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", server.log());
    assert_eq!(
        resp.headers()["etag"].to_str().unwrap(),
        format!("\"{state}\""),
        "ETag is the index state"
    );
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("{REPORT}/{manifest}")
    );
    assert_eq!(resp.headers().get_all("link").iter().count(), 2);
    let posted: scry_model::IndexReport = resp.json().await.unwrap();
    assert_eq!(posted.state, "IndexFinished", "{}", posted.err);
    assert_eq!(posted.manifest_hash, manifest);
    let expected = common::tsv(&common::fixtures().join("multilayer/expected-dpkg.tsv")).len();
    assert_eq!(
        common::packages_in(&posted, "var/lib/dpkg/status").len(),
        expected
    );
    common::assert_environments(&posted);
    for digest in &digests {
        assert_eq!(layers.hits(digest), 1, "each layer fetched once: {digest}");
    }

    let metrics = reqwest::get(format!("{}/metrics", server.introspection))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        "scry_layer_read_seconds_count",
        "scry_plugin_scan_seconds_bucket{le=",
        "scry_coalesce_seconds_count",
        "scry_index_seconds_count{outcome=\"finished\"}",
        "scry_layer_compressed_bytes_total",
        "scry_http_requests_total{",
        "scry_state{what=\"indexer_db_pool_size\"}",
    ] {
        assert!(
            metrics.contains(series),
            "metrics lack {series}:\n{metrics}"
        );
    }
    assert!(
        metrics.contains("plugin=\"dpkg\""),
        "per-plugin timings: {metrics}"
    );

    let resp = get(server, &format!("{REPORT}/{manifest}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["etag"].to_str().unwrap(),
        format!("\"{state}\"")
    );
    let fetched: scry_model::IndexReport = resp.json().await.unwrap();
    assert_eq!(fetched, posted, "GET returns the report POST returned");

    let resp = post(server, &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let again: scry_model::IndexReport = resp.json().await.unwrap();
    assert_eq!(again, posted);
    assert_eq!(
        layers.total_hits(),
        digests.len(),
        "an indexed manifest is answered without fetching"
    );

    let not_modified = reqwest::Client::new()
        .get(format!("{}{STATE}", server.api))
        .bearer_auth(quay_token())
        .header("If-None-Match", format!("\"{state}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);

    let resp = reqwest::Client::new()
        .delete(format!("{}{REPORT}", server.api))
        .bearer_auth(quay_token())
        .json(&vec![
            manifest.clone(),
            format!("sha256:{}", "0".repeat(64)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let deleted: Vec<String> = resp.json().await.unwrap();
    assert_eq!(
        deleted,
        vec![manifest.clone()],
        "unknown digests are skipped"
    );
    assert_eq!(
        get(server, &format!("{REPORT}/{manifest}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn rejects_bad_tokens(server: &Server) {
    let (manifest, _) = oci_image(&common::fixtures().join("bookworm/oci"));
    let routes = [
        ("GET", STATE.to_string()),
        ("GET", format!("{REPORT}/{manifest}")),
        ("POST", REPORT.to_string()),
        ("DELETE", REPORT.to_string()),
        ("DELETE", format!("{REPORT}/{manifest}")),
    ];
    let tokens = [
        (
            "bad signature",
            Some(token("quay", b"not-the-shared-key", 300)),
        ),
        ("wrong issuer", Some(token("mallory", &psk_bytes(), 300))),
        ("expired", Some(token("quay", &psk_bytes(), -120))),
        ("alg none", Some(unsigned_token())),
        ("no header", None),
    ];
    let client = reqwest::Client::new();
    for (method, path) in &routes {
        for (why, token) in &tokens {
            let mut request =
                client.request(method.parse().unwrap(), format!("{}{path}", server.api));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if *method != "GET" {
                request = request.body("[]");
            }
            let resp = request.send().await.unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {why}"
            );
            assert!(
                resp.bytes().await.unwrap().is_empty(),
                "401 has an empty body ({why})"
            );
        }
    }
    let metrics = client
        .get(format!("{}/metrics", server.introspection))
        .send()
        .await
        .unwrap();
    assert_eq!(
        metrics.status(),
        StatusCode::OK,
        "introspection needs no token"
    );
}

async fn bad_requests(server: &Server) {
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{}{REPORT}", server.api))
        .bearer_auth(quay_token())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let error: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(error["code"], "bad-request");
    assert!(
        error["message"].as_str().unwrap().contains("manifest"),
        "{error}"
    );

    let resp = get(server, &format!("{REPORT}/sha256:{}", "a".repeat(64))).await;
    assert_eq!(
        resp.status(),
        StatusCode::NOT_FOUND,
        "unknown manifests are 404, never 400"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn indexer_on_embedded_sqlite() {
    let server = Server::start("indexer", None).await;
    quay_flow(&server).await;
    rejects_bad_tokens(&server).await;
    bad_requests(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn indexer_on_postgres() {
    let db = PgDatabase::create("flow");
    let server = Server::start("indexer", Some(&db.connstring())).await;
    quay_flow(&server).await;
    rejects_bad_tokens(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_indexers_on_one_postgres_scan_each_layer_once() {
    let db = PgDatabase::create("pair");
    let conn = db.connstring();
    let (a, b) = tokio::join!(
        Server::start("indexer", Some(&conn)),
        Server::start("indexer", Some(&conn))
    );
    assert_eq!(index_state(&a).await, index_state(&b).await);
    let layout = common::fixtures().join("multilayer/oci");
    let layers = LayerServer::start(&layout).await;
    let (manifest, digests) = oci_image(&layout);
    let body = clair_manifest(&manifest, &digests, &layers);
    let (ra, rb) = tokio::join!(post(&a, &body), post(&b, &body));
    assert_eq!(ra.status(), StatusCode::CREATED, "{}", a.log());
    assert_eq!(rb.status(), StatusCode::CREATED, "{}", b.log());
    let ra: scry_model::IndexReport = ra.json().await.unwrap();
    let rb: scry_model::IndexReport = rb.json().await.unwrap();
    assert_eq!(ra, rb, "both processes return the same report");
    for digest in &digests {
        assert_eq!(
            layers.hits(digest),
            1,
            "layer {digest} fetched once across both processes"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_mid_index_leaves_no_partial_report() {
    let db = PgDatabase::create("kill");
    let layout = common::fixtures().join("bookworm/oci");
    let layers = LayerServer::start(&layout).await;
    let (manifest, digests) = oci_image(&layout);
    let body = clair_manifest(&manifest, &digests, &layers);

    let mut server = Server::start("indexer", Some(&db.connstring())).await;
    layers
        .throttle
        .store(64 << 10, std::sync::atomic::Ordering::Relaxed); // ~6 MB/s: seconds per layer
    let api = server.api.clone();
    let pending = tokio::spawn({
        let body = body.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{api}{REPORT}"))
                .bearer_auth(quay_token())
                .json(&body)
                .send()
                .await
        }
    });
    while layers.total_hits() == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill(); // SIGKILL mid-fetch
    assert!(
        pending.await.unwrap().is_err(),
        "the client sees the connection drop"
    );

    layers
        .throttle
        .store(0, std::sync::atomic::Ordering::Relaxed);
    let server = Server::start("indexer", Some(&db.connstring())).await;
    assert_eq!(
        get(&server, &format!("{REPORT}/{manifest}")).await.status(),
        StatusCode::NOT_FOUND,
        "nothing partial was stored"
    );
    let resp = post(&server, &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", server.log());
    let report: scry_model::IndexReport = resp.json().await.unwrap();
    assert_eq!(report.state, "IndexFinished");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clair_config_file_starts_unchanged() {
    let db = PgDatabase::create("clairconf");
    let dir = tempfile::tempdir().unwrap();
    let (api_port, intro_port) = (free_port(), free_port());
    let conn = db.connstring();
    // Clair's documented combo example, addresses on loopback: no Scry-specific keys.
    let config = format!(
        r#"http_listen_addr: "127.0.0.1:{api_port}"
introspection_addr: "127.0.0.1:{intro_port}"
log_level: info
indexer:  {{connstring: "{conn}", migrations: true, scanlock_retry: 10, layer_scan_concurrency: 5}}
matcher:  {{connstring: "{conn}", migrations: true, period: 6h, disable_updaters: true}}
matchers: {{names: ["debian", "ubuntu"]}}
updaters: {{sets: ["debian"]}}
notifier:
  connstring: "{conn}"
  migrations: true
  poll_interval: 5m
  delivery_interval: 1m
  webhook: {{target: "http://127.0.0.1:9/secscan/notification", callback: "http://127.0.0.1:{api_port}/notifier/api/v1/notification/"}}
auth: {{psk: {{key: "{PSK}", iss: ["quay", "clairctl"]}}}}
metrics: {{name: prometheus}}
"#
    );
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, config).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scry"))
        .arg("serve")
        .env("CLAIR_CONF", &path)
        .env("CLAIR_MODE", "indexer")
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env(
            "XDG_CACHE_HOME",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache"),
        )
        .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut state = None;
    for _ in 0..600 {
        if let Ok(resp) = client
            .get(format!("http://127.0.0.1:{api_port}{STATE}"))
            .bearer_auth(quay_token())
            .send()
            .await
        {
            state = Some(resp.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
    assert_eq!(state, Some(StatusCode::OK), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misspelt_config_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(
        &path,
        "http_listen_addr: 127.0.0.1:0\nindexer:\n  conn_string: \"host=x\"\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_scry"))
        .args(["serve", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("conn_string"),
        "the unknown key is named: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn index_requests_over_the_limit_get_429() {
    let server =
        Server::start_with("indexer", None, "  index_report_request_concurrency: 1\n").await;
    let layout = common::fixtures().join("bookworm/oci");
    let layers = LayerServer::start(&layout).await;
    let (manifest, digests) = oci_image(&layout);
    let body = clair_manifest(&manifest, &digests, &layers);
    layers
        .throttle
        .store(256 << 10, std::sync::atomic::Ordering::Relaxed);
    let first = tokio::spawn({
        let (api, body) = (server.api.clone(), body.clone());
        async move {
            reqwest::Client::new()
                .post(format!("{api}{REPORT}"))
                .bearer_auth(quay_token())
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    });
    while layers.total_hits() == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = post(&server, &body).await;
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    let error: serde_json::Value = second.json().await.unwrap();
    assert_eq!(error["code"], "too-many-requests");
    layers
        .throttle
        .store(0, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        first.await.unwrap().status(),
        StatusCode::CREATED,
        "{}",
        server.log()
    );
}
