//! The one HTTP client from a Scry process to another Scry (or Clair) service: the
//! matcher's remote indexer, the notifier's remote sources and `scry plugins
//! --server`. With a PSK, every request carries a fresh HS256 token of the caller's
//! issuer (`clair-intraservice` between services, `scry-admin` from the CLI).
#![forbid(unsafe_code)]

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use scry_config::Psk;
use serde::de::DeserializeOwned;

/// Long enough for an affected-manifests answer over a large fleet.
const TIMEOUT: Duration = Duration::from_secs(600);

/// Why a call to another service failed; names the call and the service.
#[derive(Debug, thiserror::Error)]
#[error("{what} at {base}: {failure}")]
pub struct ClientError {
    pub what: String,
    pub base: String,
    pub failure: Failure,
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Send(reqwest::Error),
    /// A non-success answer, with Clair's error `message` (or the body's text).
    #[error("HTTP status {status}: {message}")]
    Status { status: StatusCode, message: String },
    #[error("reading the answer: {0}")]
    Decode(reqwest::Error),
}

/// Signs requests to one service's API as one issuer.
#[derive(Clone)]
pub struct ServiceClient {
    http: reqwest::Client,
    /// e.g. `http://indexer:6060`, no trailing slash.
    base: String,
    signer: Option<(Psk, &'static str)>,
}

impl ServiceClient {
    /// `base`: the service's API, e.g. `http://matcher:6060`. Without a PSK, requests
    /// go unsigned (a deployment without auth).
    pub fn new(base: &str, psk: Option<Psk>, issuer: &'static str) -> ServiceClient {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .expect("a plain HTTP client builds");
        ServiceClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            signer: psk.map(|psk| (psk, issuer)),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A signed request to `path` (from `/`, with any query string) on the service.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.signer {
            // Signed per request: tokens live a minute.
            Some((psk, issuer)) => request.bearer_auth(psk.sign(issuer)),
            None => request,
        }
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// Sends `request` and decodes a success; anything else is an error naming `what`.
    pub async fn json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<T, ClientError> {
        let response = self.send(request, what).await?;
        self.decode(response, what).await
    }

    /// As [`ServiceClient::json`], with 404 as `None`.
    pub async fn json_unless_missing<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<Option<T>, ClientError> {
        let response = self.send(request, what).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.decode(response, what).await.map(Some)
    }

    async fn send(&self, request: RequestBuilder, what: &str) -> Result<Response, ClientError> {
        request
            .send()
            .await
            .map_err(|err| self.error(what, Failure::Send(err)))
    }

    async fn decode<T: DeserializeOwned>(
        &self,
        response: Response,
        what: &str,
    ) -> Result<T, ClientError> {
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(self.error(what, status_failure(status, &body)));
        }
        response
            .json::<T>()
            .await
            .map_err(|err| self.error(what, Failure::Decode(err)))
    }

    fn error(&self, what: &str, failure: Failure) -> ClientError {
        ClientError {
            what: what.to_string(),
            base: self.base.clone(),
            failure,
        }
    }
}

/// Clair's error bodies are `{"code", "message"}`; other bodies are quoted as text.
fn status_failure(status: StatusCode, body: &str) -> Failure {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.trim().to_string());
    Failure::Status { status, message }
}
