//! The notifier's sources in combo mode: the matcher service's update operations and
//! the affected-manifest lookup, called in-process instead of over HTTP.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use scry_matcher::{AffectedLookup, MatcherService};
use scry_model::{AffectedManifests, UpdateDiff, UpdateKind, UpdateOperation, Vulnerability};

use crate::sources::{AffectedSource, UpdateSource};

/// The matcher service of this process.
pub struct LocalUpdates(pub Arc<MatcherService>);

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

impl AffectedSource for AffectedLookup {
    fn affected_manifests<'a>(
        &'a self,
        vulnerabilities: &'a [Vulnerability],
    ) -> BoxFuture<'a, Result<AffectedManifests, String>> {
        Box::pin(async move {
            AffectedLookup::affected_manifests(self, vulnerabilities.to_vec())
                .await
                .map_err(|err| err.to_string())
        })
    }
}
