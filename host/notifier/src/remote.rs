//! The matcher and indexer over HTTP, signed as `clair-intraservice`, for a notifier
//! running on its own (`notifier.matcher_addr`, `notifier.indexer_addr`).

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::BoxFuture;
use scry_config::Psk;
use scry_model::{
    AffectedManifests, AffectedManifestsRequest, UpdateDiff, UpdateOperation, Vulnerability,
};
use serde::de::DeserializeOwned;

use crate::sources::{AffectedSource, UpdateSource};

/// Long enough for an affected-manifests answer over a large fleet.
const TIMEOUT: Duration = Duration::from_secs(600);

/// Another Scry (or Clair) service's API.
pub struct Remote {
    client: reqwest::Client,
    /// e.g. `http://matcher:6060`, no trailing slash.
    base: String,
    psk: Option<Psk>,
}

impl Remote {
    pub fn new(base: &str, psk: Option<Psk>) -> Remote {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .expect("a plain HTTP client builds");
        Remote {
            client,
            base: base.trim_end_matches('/').to_string(),
            psk,
        }
    }

    fn signed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.psk {
            Some(psk) => request.bearer_auth(psk.sign(scry_config::psk::INTRASERVICE_ISSUER)),
            None => request,
        }
    }

    async fn json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, String> {
        let failed = |err: &dyn std::fmt::Display| format!("{what} at {}: {err}", self.base);
        let response = self.signed(request).send().await.map_err(|e| failed(&e))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(failed(&format!("HTTP status {status}: {}", body.trim())));
        }
        response.json::<T>().await.map_err(|e| failed(&e))
    }
}

impl UpdateSource for Remote {
    fn update_operations(
        &self,
    ) -> BoxFuture<'_, Result<BTreeMap<String, Vec<UpdateOperation>>, String>> {
        Box::pin(async move {
            let url = format!(
                "{}/matcher/api/v1/internal/update_operation?kind=vulnerability",
                self.base
            );
            self.json(self.client.get(url), "listing update operations")
                .await
        })
    }

    fn update_diff<'a>(
        &'a self,
        prev: Option<&'a str>,
        cur: &'a str,
    ) -> BoxFuture<'a, Result<UpdateDiff, String>> {
        Box::pin(async move {
            let mut url = format!(
                "{}/matcher/api/v1/internal/update_diff?cur={cur}",
                self.base
            );
            if let Some(prev) = prev {
                url.push_str(&format!("&prev={prev}"));
            }
            self.json(
                self.client.get(url),
                &format!("diffing update operation {cur}"),
            )
            .await
        })
    }
}

impl AffectedSource for Remote {
    fn affected_manifests<'a>(
        &'a self,
        vulnerabilities: &'a [Vulnerability],
    ) -> BoxFuture<'a, Result<AffectedManifests, String>> {
        Box::pin(async move {
            let url = format!("{}/indexer/api/v1/internal/affected_manifest", self.base);
            let body = AffectedManifestsRequest {
                vulnerabilities: vulnerabilities.to_vec(),
            };
            self.json(
                self.client.post(url).json(&body),
                "asking for affected manifests",
            )
            .await
        })
    }
}
