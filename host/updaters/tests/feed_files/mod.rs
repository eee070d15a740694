//! Shared by the osv, rhel_vex and cvss tests: the feed samples that
//! scripts/fixtures/feeds-ecosystems.sh builds, and a real HTTP server on 127.0.0.1
//! that serves them with ETags and conditional GETs.

#![allow(dead_code)] // each test binary uses a different part

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use scry_updaters::FetchContext;
use sha2::{Digest, Sha256};

/// `$SCRY_FIXTURES/feeds/ecosystems/<sub>`; fails (never skips) when not built.
pub fn samples(sub: &str) -> PathBuf {
    let root = std::env::var_os("SCRY_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/scry-fixtures"));
    let dir = root.join("feeds/ecosystems");
    assert!(
        dir.join(".stamp").is_file(),
        "feed samples missing in {}: run scripts/fixtures.sh (as root) first",
        dir.display()
    );
    dir.join(sub)
}

/// Every file under `dir`, keyed by its path relative to `dir` (with `/`).
pub fn load_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let key = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(key, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[derive(Default)]
struct Files {
    files: BTreeMap<String, Vec<u8>>,
    /// Every request: (path, If-None-Match sent).
    log: Vec<(String, Option<String>)>,
}

/// A static file server: ETag = hash of the body, 304 on a matching If-None-Match.
pub struct FeedServer {
    addr: SocketAddr,
    state: Arc<Mutex<Files>>,
    task: tokio::task::JoinHandle<()>,
}

impl FeedServer {
    pub async fn start(files: BTreeMap<String, Vec<u8>>) -> FeedServer {
        let state = Arc::new(Mutex::new(Files {
            files,
            log: Vec::new(),
        }));
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FeedServer { addr, state, task }
    }

    /// The base URL, ending in `/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn set(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.state
            .lock()
            .unwrap()
            .files
            .insert(path.into(), body.into());
    }

    pub fn get(&self, path: &str) -> Vec<u8> {
        self.state.lock().unwrap().files[path].clone()
    }

    /// Requests so far, oldest first.
    pub fn log(&self) -> Vec<(String, Option<String>)> {
        self.state.lock().unwrap().log.clone()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn etag(body: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(body))[..16])
}

async fn serve(
    State(state): State<Arc<Mutex<Files>>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let path = request.uri().path().trim_start_matches('/').to_string();
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut files = state.lock().unwrap();
    files.log.push((path.clone(), if_none_match.clone()));
    let Some(body) = files.files.get(&path) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .unwrap();
    };
    let tag = etag(body);
    if if_none_match.as_deref() == Some(tag.as_str()) {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, tag)
            .body(Body::empty())
            .unwrap();
    }
    Response::builder()
        .header(header::ETAG, tag)
        .body(Body::from(body.clone()))
        .unwrap()
}

/// A fetch context with `config` as `updaters.config` and no retries (tests want the
/// first error).
pub fn context(config: serde_json::Value) -> FetchContext {
    let config = serde_json::from_value(config).unwrap();
    let mut ctx = FetchContext::new(config);
    ctx.attempts = 1;
    ctx.backoff = Duration::from_millis(10);
    ctx
}

/// A loopback URL nothing listens on: a port bound and released.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/")
}
