//! Downloads for updaters: conditional GETs straight to disk, with retries.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::UpdaterError;

/// What updaters share: one HTTP client, `updaters.config`, and the retry policy.
#[derive(Clone)]
pub struct FetchContext {
    pub client: reqwest::Client,
    /// `updaters.config`: settings by set or updater name (e.g. `{"url": …}`).
    pub config: BTreeMap<String, Value>,
    /// Attempts per request (at least 1); waits double from `backoff`.
    pub attempts: u32,
    pub backoff: Duration,
}

impl FetchContext {
    pub fn new(config: BTreeMap<String, Value>) -> FetchContext {
        let client = reqwest::Client::builder()
            .user_agent(concat!("scry/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client with default TLS settings");
        FetchContext {
            client,
            config,
            attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }

    /// The string setting `key` of `name` (an updater or set name), if configured.
    pub fn setting(&self, name: &str, key: &str) -> Option<String> {
        self.config
            .get(name)?
            .get(key)?
            .as_str()
            .map(str::to_string)
    }

    /// GETs `url` into `dest` unless the server says it has not changed since
    /// `conditional`. Retries connection errors and 5xx with backoff; other statuses
    /// fail at once, naming the URL.
    pub async fn download(
        &self,
        url: &str,
        conditional: &Conditional,
        dest: &Path,
    ) -> Result<Response, UpdaterError> {
        let mut wait = self.backoff;
        let mut attempt = 1;
        loop {
            match self.try_download(url, conditional, dest).await {
                Err(err) if attempt < self.attempts.max(1) && retryable(&err) => {
                    tracing::warn!(url, attempt, error = %err, "retrying download");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn try_download(
        &self,
        url: &str,
        conditional: &Conditional,
        dest: &Path,
    ) -> Result<Response, UpdaterError> {
        let fetch_err = |err: reqwest::Error| UpdaterError::Fetch {
            url: url.to_string(),
            reason: error_chain(&err),
        };
        let mut request = self.client.get(url);
        if let Some(etag) = &conditional.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &conditional.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
        }
        let response = request.send().await.map_err(fetch_err)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Response::NotModified);
        }
        if !status.is_success() {
            return Err(UpdaterError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let io_err = |err: std::io::Error| UpdaterError::Io {
            what: format!("writing the download of {url} to {}", dest.display()),
            source: err,
        };
        let mut file = tokio::fs::File::create(dest).await.map_err(io_err)?;
        let mut body = response.bytes_stream();
        let mut bytes = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(fetch_err)?;
            bytes += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(io_err)?;
        }
        file.flush().await.map_err(io_err)?;
        Ok(Response::Downloaded {
            etag,
            last_modified,
            bytes,
        })
    }
}

fn retryable(err: &UpdaterError) -> bool {
    match err {
        UpdaterError::Fetch { .. } => true,
        UpdaterError::Status { status, .. } => *status >= 500 || *status == 429,
        _ => false,
    }
}

/// reqwest's errors hide the cause (connection refused, DNS) in their source chain.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text += &format!(": {cause}");
        source = cause.source();
    }
    text
}

/// Validators from an earlier download.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conditional {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, PartialEq)]
pub enum Response {
    NotModified,
    Downloaded {
        etag: Option<String>,
        last_modified: Option<String>,
        bytes: u64,
    },
}
