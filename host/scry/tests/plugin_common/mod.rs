//! Shared by the plugin hot-swap tests: the admin API, a steady load generator, and
//! waiting for a server to serve a state.
#![allow(dead_code)] // each test binary uses part of it

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::serve_common::{Server, psk_bytes, quay_token, token};

pub const PLUGINS: &str = "/admin/api/v1/plugins";

pub fn admin_token() -> String {
    token("scry-admin", &psk_bytes(), 300)
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// Uploads `wasm` declaring `hash`: (status, body).
pub async fn put(server: &Server, wasm: Vec<u8>, hash: &str) -> (u16, serde_json::Value) {
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

pub async fn listing(server: &Server) -> serde_json::Value {
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

/// The listed plugin named `name`, if any.
pub fn listed_plugin(listed: &serde_json::Value, name: &str) -> Option<serde_json::Value> {
    listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .cloned()
}

pub async fn wait_for_listing(
    server: &Server,
    what: &str,
    within: Duration,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> (serde_json::Value, Duration) {
    let started = Instant::now();
    loop {
        let listed = listing(server).await;
        if ok(&listed) {
            return (listed, started.elapsed());
        }
        assert!(
            started.elapsed() < within,
            "{what}: not within {within:?}: {listed}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn served_state(server: &Server) -> String {
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
pub async fn until_state(server: &Server, state: &str) -> Duration {
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

/// Waits until `server`'s log has `line`.
pub async fn until_logged(server: &Server, line: &str, within: Duration) {
    let started = Instant::now();
    while !server.log().contains(line) {
        assert!(
            started.elapsed() < within,
            "{line:?} not logged within {within:?}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One request of a load: GET of a URL, or POST of a JSON body.
#[derive(Clone)]
pub enum Request {
    Get(String),
    Post(String, serde_json::Value),
}

impl Request {
    fn url(&self) -> &str {
        match self {
            Request::Get(url) | Request::Post(url, _) => url,
        }
    }
}

/// `requests` in turn at `rate` per second, one task each, until stopped, counting
/// the failures as "status method url". Success is any 2xx (202: the matcher has no
/// vulnerability data yet, a normal answer).
pub struct Load {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicUsize>,
    failures: Arc<std::sync::Mutex<Vec<String>>>,
    started: Instant,
}

impl Load {
    pub fn start(requests: Vec<Request>, rate: f64) -> Load {
        let load = Load {
            stop: Arc::default(),
            sent: Arc::default(),
            failures: Arc::default(),
            started: Instant::now(),
        };
        let (stop, sent, failures) = (load.stop.clone(), load.sent.clone(), load.failures.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let request = requests[n % requests.len()].clone();
                n += 1;
                let (client, sent, failures) = (client.clone(), sent.clone(), failures.clone());
                tokio::spawn(async move {
                    sent.fetch_add(1, Ordering::Relaxed);
                    let builder = match &request {
                        Request::Get(url) => client.get(url),
                        Request::Post(url, body) => client.post(url).json(body),
                    };
                    let outcome = builder.bearer_auth(quay_token()).send().await;
                    let what = request.url();
                    match outcome {
                        Ok(resp) if resp.status().is_success() => {}
                        Ok(resp) => failures
                            .lock()
                            .unwrap()
                            .push(format!("{} {what}", resp.status())),
                        Err(err) => failures.lock().unwrap().push(format!("{err} {what}")),
                    }
                });
            }
        });
        load
    }

    /// GETs of index_state, the index report and the vulnerability report of `manifest`.
    pub fn reads(server: &Server, manifest: &str) -> Vec<Request> {
        vec![
            Request::Get(format!("{}/indexer/api/v1/index_state", server.api)),
            Request::Get(format!(
                "{}/indexer/api/v1/index_report/{manifest}",
                server.api
            )),
            Request::Get(format!(
                "{}/matcher/api/v1/vulnerability_report/{manifest}",
                server.api
            )),
        ]
    }

    /// Stops it and asserts that no request failed and the rate held `min_rate`.
    pub async fn finish_cleanly(self, min_rate: f64) {
        let (sent, rate, failures) = self.finish().await;
        assert!(
            failures.is_empty(),
            "{} of {sent} requests failed: {failures:?}",
            failures.len()
        );
        assert!(rate >= min_rate, "the load was only {rate:.1} req/s");
    }

    /// Stops it; returns (requests, requests per second, failures).
    pub async fn finish(self) -> (usize, f64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let sent = self.sent.load(Ordering::Relaxed);
        let rate = sent as f64 / self.started.elapsed().as_secs_f64();
        // Let the last requests answer (a re-index under way takes a while).
        tokio::time::sleep(Duration::from_secs(3)).await;
        (sent, rate, self.failures.lock().unwrap().clone())
    }
}

/// The sum of the samples of `metric` whose labels contain `labels` on `server`'s
/// introspection endpoint.
pub async fn metric(server: &Server, metric: &str, labels: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", server.introspection))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|line| line.starts_with(metric) && line.contains(labels))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
