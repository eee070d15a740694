//! A real `scry serve` process, a real layer server on loopback that demands a Bearer
//! token and counts fetches, and PSK-signed requests, for the indexer API tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine as _;

pub const LAYER_TOKEN: &str = "Bearer layer-server-token";
/// The PSK, base64 as Clair's config takes it.
pub const PSK: &str = "c2VjcmV0LXNoYXJlZC1ieS1xdWF5LWFuZC1zY3J5";

pub fn psk_bytes() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(PSK)
        .unwrap()
}

/// A token as Quay mints it: HS256, `{"iss": issuer, "exp": now + ttl}`.
pub fn token(issuer: &str, key: &[u8], exp_offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = serde_json::json!({ "iss": issuer, "exp": now + exp_offset });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .unwrap()
}

pub fn quay_token() -> String {
    token("quay", &psk_bytes(), 300)
}

/// `alg: none`, unsigned.
pub fn unsigned_token() -> String {
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!(
        "{}.{}.",
        b64(serde_json::json!({"alg": "none", "typ": "JWT"})),
        b64(serde_json::json!({"iss": "quay", "exp": now + 300}))
    )
}

/// Serves the blobs of an OCI layout at `/blobs/<digest>`, only with [`LAYER_TOKEN`].
pub struct LayerServer {
    pub addr: SocketAddr,
    pub hits: Arc<Mutex<HashMap<String, usize>>>,
    /// Bytes per 10 ms; 0 is full speed. Lets a test kill the indexer mid-fetch.
    pub throttle: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct LayerState {
    blobs: PathBuf,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    throttle: Arc<AtomicUsize>,
}

impl LayerServer {
    pub async fn start(oci_layout: &Path) -> LayerServer {
        let state = LayerState {
            blobs: oci_layout.join("blobs/sha256"),
            hits: Arc::default(),
            throttle: Arc::default(),
        };
        let (hits, throttle) = (state.hits.clone(), state.throttle.clone());
        let app = axum::Router::new()
            .route("/blobs/{digest}", axum::routing::get(blob))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        LayerServer {
            addr,
            hits,
            throttle,
            _task: task,
        }
    }

    pub fn hits(&self, digest: &str) -> usize {
        self.hits.lock().unwrap().get(digest).copied().unwrap_or(0)
    }

    pub fn total_hits(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
}

async fn blob(
    State(state): State<LayerState>,
    UrlPath(digest): UrlPath<String>,
    headers: HeaderMap,
) -> axum::response::Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(LAYER_TOKEN) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(hex) = digest.strip_prefix("sha256:") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(bytes) = tokio::fs::read(state.blobs.join(hex)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    *state.hits.lock().unwrap().entry(digest).or_default() += 1;
    let throttle = state.throttle.load(Ordering::Relaxed);
    if throttle == 0 {
        return bytes.into_response();
    }
    let chunks: Vec<Vec<u8>> = bytes.chunks(throttle).map(<[u8]>::to_vec).collect();
    let stream = futures::stream::iter(chunks).then(|chunk| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok::<_, std::io::Error>(chunk)
    });
    axum::body::Body::from_stream(stream).into_response()
}

use futures::StreamExt as _;

/// The manifest and layer digests of an OCI layout's first image.
pub fn oci_image(layout: &Path) -> (String, Vec<String>) {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let body: serde_json::Value = serde_json::from_slice(
        &std::fs::read(layout.join("blobs/sha256").join(&manifest[7..])).unwrap(),
    )
    .unwrap();
    let layers = body["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect();
    (manifest, layers)
}

/// The Clair manifest Quay would POST for that image, fetching from `server`.
pub fn clair_manifest(
    manifest: &str,
    layers: &[String],
    server: &LayerServer,
) -> serde_json::Value {
    serde_json::json!({
        "hash": manifest,
        "layers": layers.iter().map(|digest| serde_json::json!({
            "hash": digest,
            "uri": format!("http://{}/blobs/{digest}", server.addr),
            "headers": { "Authorization": [LAYER_TOKEN], "Accept": ["application/gzip"] },
        })).collect::<Vec<_>>(),
    })
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh PostgreSQL database on 127.0.0.1:5432 (trust auth), dropped with the value.
pub struct PgDatabase {
    pub name: String,
}

impl PgDatabase {
    pub fn create(tag: &str) -> PgDatabase {
        let name = format!("scry_serve_{tag}_{}", std::process::id());
        let _ = psql(&format!("DROP DATABASE IF EXISTS {name}"));
        let out = psql(&format!("CREATE DATABASE {name}"));
        assert!(
            out.status.success(),
            "PostgreSQL on 127.0.0.1:5432 is needed (scripts/deps/postgres.sh): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PgDatabase { name }
    }

    /// Runs `sql` in this database (psql, stops on the first error).
    pub fn execute(&self, sql: &str) {
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", &self.name])
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("running psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// libpq key=value form, as Clair configs usually carry it.
    pub fn connstring(&self) -> String {
        format!(
            "host=127.0.0.1 port=5432 user=postgres dbname={} sslmode=disable",
            self.name
        )
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

fn psql(sql: &str) -> std::process::Output {
    Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ])
        .output()
        .expect("running psql")
}

/// Serves fixed files at fixed paths on loopback with an ETag each, answering 304 to a
/// matching `If-None-Match`, and counts full responses: a feed mirror for updaters.
pub struct FeedServer {
    pub addr: SocketAddr,
    pub files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    pub served: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct FeedState {
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    served: Arc<AtomicUsize>,
}

impl FeedServer {
    pub async fn start(files: HashMap<String, Vec<u8>>) -> FeedServer {
        let state = FeedState {
            files: Arc::new(Mutex::new(files)),
            served: Arc::default(),
        };
        let (files, served) = (state.files.clone(), state.served.clone());
        let app = axum::Router::new().fallback(feed_file).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FeedServer {
            addr,
            files,
            served,
            _task: task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set(&self, path: &str, body: Vec<u8>) {
        self.files.lock().unwrap().insert(path.to_string(), body);
    }
}

async fn feed_file(
    State(state): State<FeedState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> axum::response::Response {
    let Some(body) = state.files.lock().unwrap().get(uri.path()).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    use sha2::Digest as _;
    let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&body)[..8]));
    if headers
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    state.served.fetch_add(1, Ordering::Relaxed);
    (StatusCode::OK, [("etag", etag)], body).into_response()
}

/// A running `scry serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub api: String,
    pub introspection: String,
    pub dir: tempfile::TempDir,
    mode: String,
}

impl Server {
    /// Starts `scry serve` with a Clair-style YAML config; `connstring` None means the
    /// embedded SQLite default in a private data directory.
    pub async fn start(mode: &str, connstring: Option<&str>) -> Server {
        Self::start_with(mode, connstring, "").await
    }

    /// As [`Server::start`], with extra lines in the `indexer:` block (two-space indented).
    pub async fn start_with(mode: &str, connstring: Option<&str>, indexer_extra: &str) -> Server {
        Self::start_config(mode, connstring, indexer_extra, "updaters:\n  sets: []\n").await
    }

    /// As [`Server::start_with`], with `rest` (top-level YAML blocks such as `matcher:`
    /// and `updaters:`) appended to the config.
    pub async fn start_config(
        mode: &str,
        connstring: Option<&str>,
        indexer_extra: &str,
        rest: &str,
    ) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let (api_port, intro_port) = (free_port(), free_port());
        let connstring_line = connstring
            .map(|c| format!("  connstring: \"{c}\"\n"))
            .unwrap_or_default();
        let config = format!(
            "http_listen_addr: 127.0.0.1:{api_port}\nintrospection_addr: 127.0.0.1:{intro_port}\nlog_level: info\n\
             indexer:\n{connstring_line}  scanlock_retry: 10\n  layer_scan_concurrency: 5\n  migrations: true\n{indexer_extra}\
             auth:\n  psk:\n    key: \"{PSK}\"\n    iss: [\"quay\", \"clairctl\"]\n\
             scry:\n  data_dir: {}\n{rest}",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yaml");
        std::fs::write(&config_path, config).unwrap();
        let child = spawn(mode, dir.path());
        let server = Server {
            child,
            api: format!("http://127.0.0.1:{api_port}"),
            introspection: format!("http://127.0.0.1:{intro_port}"),
            dir,
            mode: mode.to_string(),
        };
        server.wait_ready().await;
        server
    }

    /// Kills the process without warning (SIGKILL) and starts it again on the same
    /// config and data directory.
    pub async fn restart(&mut self) {
        self.kill();
        self.child = spawn(&self.mode, self.dir.path());
        self.wait_ready().await;
    }

    async fn wait_ready(&self) {
        let started = Instant::now();
        let client = reqwest::Client::new();
        while started.elapsed() < Duration::from_secs(60) {
            let probe = client
                .get(format!("{}/readyz", self.introspection))
                .send()
                .await;
            if probe.is_ok_and(|resp| resp.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("scry serve did not become ready: {}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `scry serve` on `dir/config.yaml`, logging (appending) to `dir/server.log`.
fn spawn(mode: &str, dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_scry"))
        .args(["serve", "--mode", mode, "--config"])
        .arg(dir.join("config.yaml"))
        .env(
            "XDG_CACHE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache"),
        )
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("starting scry serve")
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
