//! The notifier's sources in combo mode: the matcher's store and the indexer's
//! reverse lookup, called in-process instead of over HTTP.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use scry_matcher::LiveMatchers;
use scry_model::{AffectedManifests, UpdateDiff, UpdateKind, UpdateOperation, Vulnerability};
use scry_notifier::sources::{AffectedSource, UpdateSource};
use scry_store::{IndexStore, VulnStore};

pub struct LocalUpdates(pub VulnStore);

impl UpdateSource for LocalUpdates {
    fn update_operations(
        &self,
    ) -> BoxFuture<'_, Result<BTreeMap<String, Vec<UpdateOperation>>, String>> {
        Box::pin(async move {
            self.0
                .update_operations(UpdateKind::Vulnerability, false)
                .await
                .map_err(|err| format!("listing update operations: {err}"))
        })
    }

    fn update_diff<'a>(
        &'a self,
        prev: Option<&'a str>,
        cur: &'a str,
    ) -> BoxFuture<'a, Result<UpdateDiff, String>> {
        Box::pin(async move {
            self.0
                .update_diff(prev, cur)
                .await
                .map_err(|err| format!("diffing update operation {cur}: {err}"))
        })
    }
}

pub struct LocalAffected {
    pub store: IndexStore,
    pub matchers: Arc<LiveMatchers>,
}

impl AffectedSource for LocalAffected {
    fn affected_manifests<'a>(
        &'a self,
        vulnerabilities: &'a [Vulnerability],
    ) -> BoxFuture<'a, Result<AffectedManifests, String>> {
        Box::pin(async move {
            scry_matcher::affected_manifests(
                &self.store,
                &self.matchers.current(),
                vulnerabilities.to_vec(),
            )
            .await
            .map_err(|err| err.to_string())
        })
    }
}
