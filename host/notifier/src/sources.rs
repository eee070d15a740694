//! What the notifier reads from the other services: the matcher's update operations
//! and diffs, and the indexer's affected manifests. In-process in combo mode (see `local`),
//! over HTTP (see `remote`) when the notifier runs on its own.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use scry_model::{AffectedManifests, UpdateDiff, UpdateOperation, Vulnerability};

/// The matcher's update operations.
pub trait UpdateSource: Send + Sync {
    /// Vulnerability update operations by updater, newest first.
    fn update_operations(
        &self,
    ) -> BoxFuture<'_, Result<BTreeMap<String, Vec<UpdateOperation>>, String>>;

    /// What `cur` added and removed relative to `prev` (everything added when `None`).
    fn update_diff<'a>(
        &'a self,
        prev: Option<&'a str>,
        cur: &'a str,
    ) -> BoxFuture<'a, Result<UpdateDiff, String>>;
}

/// The indexer's reverse lookup.
pub trait AffectedSource: Send + Sync {
    /// Manifests some matcher finds vulnerable to each of `vulnerabilities`.
    fn affected_manifests<'a>(
        &'a self,
        vulnerabilities: &'a [Vulnerability],
    ) -> BoxFuture<'a, Result<AffectedManifests, String>>;
}
