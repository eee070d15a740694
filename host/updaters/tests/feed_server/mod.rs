//! Test support for the distro updater tests: a real HTTP feed server on 127.0.0.1
//! (axum) that answers conditional GETs and counts requests, and the sample files.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use scry_updaters::{Collect, Download, FetchContext, Fetched, Updater};

/// What the server answers on one path.
#[derive(Clone)]
pub enum Reply {
    /// 200 with validators; 304 when the request's validators match.
    File {
        body: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// That status, with a short text body.
    Status(u16),
}

impl Reply {
    /// A file with a fixed ETag and Last-Modified, as static feed hosts send.
    pub fn file(body: impl Into<Vec<u8>>, etag: &str) -> Reply {
        Reply::File {
            body: body.into(),
            etag: Some(format!("\"{etag}\"")),
            last_modified: Some("Tue, 25 Nov 2025 10:00:00 GMT".into()),
        }
    }
}

#[derive(Default)]
struct Shared {
    routes: BTreeMap<String, Reply>,
    /// Requests per path, and how many of them were answered 304.
    hits: BTreeMap<String, usize>,
    not_modified: BTreeMap<String, usize>,
}

pub struct FeedServer {
    pub base: String,
    shared: Arc<Mutex<Shared>>,
}

impl FeedServer {
    /// Serves `routes` (absolute paths, e.g. `/v3.18/main.json`) on a free port.
    pub async fn start(routes: BTreeMap<String, Reply>) -> FeedServer {
        let shared = Arc::new(Mutex::new(Shared {
            routes,
            ..Shared::default()
        }));
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FeedServer { base, shared }
    }

    /// The URL of `path` (starting with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn hits(&self, path: &str) -> usize {
        *self.shared.lock().unwrap().hits.get(path).unwrap_or(&0)
    }

    pub fn not_modified(&self, path: &str) -> usize {
        *self
            .shared
            .lock()
            .unwrap()
            .not_modified
            .get(path)
            .unwrap_or(&0)
    }

    /// Changes what `path` answers from now on.
    pub fn set(&self, path: &str, reply: Reply) {
        self.shared
            .lock()
            .unwrap()
            .routes
            .insert(path.to_string(), reply);
    }
}

async fn answer(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    let mut shared = shared.lock().unwrap();
    *shared.hits.entry(path.clone()).or_default() += 1;
    let reply = shared.routes.get(&path).cloned();
    let text = |status: u16, body: &str| {
        Response::builder()
            .status(status)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    match reply {
        None => text(404, "not found"),
        Some(Reply::Status(status)) => text(status, "server trouble"),
        Some(Reply::File {
            body,
            etag,
            last_modified,
        }) => {
            let sent = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
            // RFC 9110: If-None-Match, when sent, decides; If-Modified-Since otherwise.
            let unchanged = match sent(header::IF_NONE_MATCH) {
                Some(tag) => etag.as_deref() == Some(tag),
                None => {
                    last_modified.is_some()
                        && sent(header::IF_MODIFIED_SINCE) == last_modified.as_deref()
                }
            };
            let mut response = Response::builder();
            if let Some(etag) = &etag {
                response = response.header(header::ETAG, etag);
            }
            if let Some(date) = &last_modified {
                response = response.header(header::LAST_MODIFIED, date);
            }
            if unchanged {
                *shared.not_modified.entry(path).or_default() += 1;
                return response
                    .status(StatusCode::NOT_MODIFIED)
                    .body(Body::empty())
                    .unwrap();
            }
            let body = if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from(body)
            };
            response.status(StatusCode::OK).body(body).unwrap()
        }
    }
}

/// `$SCRY_FIXTURES/feeds/distro` (default `/var/tmp/scry-fixtures`).
pub fn samples_dir() -> PathBuf {
    let root = std::env::var_os("SCRY_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/scry-fixtures"));
    root.join("feeds/distro")
}

/// A file of the real-feed samples; fails (never skips) when they were not built.
pub fn sample(relative: &str) -> Vec<u8> {
    let path = samples_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|err| {
        panic!(
            "missing feed sample {} ({err}): run scripts/fixtures.sh (as root) to build \
             the test inputs, or scripts/fixtures/feeds-distro.sh DIR for just these",
            path.display()
        )
    })
}

/// Rows of an oracle file (`expected-*.tsv`), each split on tabs.
pub fn oracle(name: &str) -> Vec<Vec<String>> {
    String::from_utf8(sample(name))
        .unwrap()
        .lines()
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

/// A hand-written sample under `tests/data/`.
pub fn data(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
}

/// A fetch context with `updaters.config` = `config`, and quick retries.
pub fn context(config: serde_json::Value) -> FetchContext {
    let config = serde_json::from_value(config).expect("config is an object");
    let mut ctx = FetchContext::new(config);
    ctx.attempts = 2;
    ctx.backoff = std::time::Duration::from_millis(20);
    ctx
}

/// A URL on 127.0.0.1 where nothing listens (the port was just freed).
pub fn refused_url(path: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}{path}")
}

/// Fetches with no previous fingerprint; the download must be new.
pub async fn fetch_new(updater: &dyn Updater, ctx: &FetchContext) -> Download {
    match updater.fetch(ctx, None).await {
        Ok(Fetched::Changed(download)) => download,
        Ok(Fetched::Unchanged) => panic!("{}: first fetch said unchanged", updater.name()),
        Err(err) => panic!("{}: fetch failed: {err}", updater.name()),
    }
}

/// Parses `download` on a blocking thread, as the caller of updaters does.
pub async fn parse(updater: Arc<dyn Updater>, download: Download) -> Collect {
    tokio::task::spawn_blocking(move || {
        let mut sink = Collect::default();
        updater
            .parse(&download, &mut sink)
            .unwrap_or_else(|err| panic!("{}: parse failed: {err}", updater.name()));
        sink
    })
    .await
    .unwrap()
}
