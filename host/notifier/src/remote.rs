//! The matcher and indexer over HTTP, signed as `clair-intraservice`, for a notifier
//! running on its own (`notifier.matcher_addr`, `notifier.indexer_addr`).

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use scry_client::ServiceClient;
use scry_config::Psk;
use scry_config::psk::INTRASERVICE_ISSUER;
use scry_model::{
    AffectedManifests, AffectedManifestsRequest, UpdateDiff, UpdateOperation, Vulnerability,
};

use crate::sources::{AffectedSource, UpdateSource};

/// Another Scry (or Clair) service's API.
pub struct Remote(ServiceClient);

impl Remote {
    /// `base`: e.g. `http://matcher:6060`.
    pub fn new(base: &str, psk: Option<Psk>) -> Remote {
        Remote(ServiceClient::new(base, psk, INTRASERVICE_ISSUER))
    }
}

impl UpdateSource for Remote {
    fn update_operations(
        &self,
    ) -> BoxFuture<'_, Result<BTreeMap<String, Vec<UpdateOperation>>, String>> {
        Box::pin(async move {
            let path = "/matcher/api/v1/internal/update_operation?kind=vulnerability";
            self.0
                .json(self.0.get(path), "listing update operations")
                .await
                .map_err(|err| err.to_string())
        })
    }

    fn update_diff<'a>(
        &'a self,
        prev: Option<&'a str>,
        cur: &'a str,
    ) -> BoxFuture<'a, Result<UpdateDiff, String>> {
        Box::pin(async move {
            let mut path = format!("/matcher/api/v1/internal/update_diff?cur={cur}");
            if let Some(prev) = prev {
                path.push_str(&format!("&prev={prev}"));
            }
            self.0
                .json(
                    self.0.get(&path),
                    &format!("diffing update operation {cur}"),
                )
                .await
                .map_err(|err| err.to_string())
        })
    }
}

impl AffectedSource for Remote {
    fn affected_manifests<'a>(
        &'a self,
        vulnerabilities: &'a [Vulnerability],
    ) -> BoxFuture<'a, Result<AffectedManifests, String>> {
        Box::pin(async move {
            let body = AffectedManifestsRequest {
                vulnerabilities: vulnerabilities.to_vec(),
            };
            let request = self
                .0
                .post("/indexer/api/v1/internal/affected_manifest")
                .json(&body);
            self.0
                .json(request, "asking for affected manifests")
                .await
                .map_err(|err| err.to_string())
        })
    }
}
