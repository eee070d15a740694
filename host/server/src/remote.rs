//! Clients of another Scry (or Clair) service over HTTP, signed with the PSK as
//! `clair-intraservice`, as split deployments talk to each other.

use futures::future::BoxFuture;
use scry_config::Psk;
use scry_matcher::IndexReports;
use scry_model::IndexReport;

/// The indexer's API, for a matcher running on its own.
pub struct RemoteIndexer {
    client: reqwest::Client,
    /// e.g. `http://indexer:6060`, no trailing slash.
    base: String,
    psk: Option<Psk>,
}

impl RemoteIndexer {
    pub fn new(base: &str, psk: Option<Psk>) -> RemoteIndexer {
        RemoteIndexer {
            client: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_string(),
            psk,
        }
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.get(format!("{}{path}", self.base));
        match &self.psk {
            Some(psk) => request.bearer_auth(psk.sign("clair-intraservice")),
            None => request,
        }
    }
}

impl IndexReports for RemoteIndexer {
    fn index_report<'a>(
        &'a self,
        digest: &'a str,
    ) -> BoxFuture<'a, Result<Option<IndexReport>, String>> {
        Box::pin(async move {
            let url = format!("/indexer/api/v1/index_report/{digest}");
            let failed = |err: &dyn std::fmt::Display| {
                format!("asking the indexer at {} for {digest}: {err}", self.base)
            };
            let response = self.get(&url).send().await.map_err(|e| failed(&e))?;
            match response.status() {
                reqwest::StatusCode::NOT_FOUND => Ok(None),
                status if status.is_success() => response
                    .json::<IndexReport>()
                    .await
                    .map(Some)
                    .map_err(|e| failed(&e)),
                status => Err(failed(&format!("HTTP status {status}"))),
            }
        })
    }
}
