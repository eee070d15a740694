//! The matcher's update operations as its API serves them and the notifier reads them
//! in combo mode: through the service, never its store.

use std::collections::BTreeMap;

use scry_model::{UpdateDiff, UpdateKind, UpdateOperation};
use scry_store::StoreError;

use crate::service::MatcherService;

impl MatcherService {
    /// The ref of the newest operation of `kind` (the listing's ETag), if any.
    pub async fn latest_update_ref(&self, kind: UpdateKind) -> Result<Option<String>, StoreError> {
        self.store().latest_ref(kind).await
    }

    /// Operations of `kind` by updater, newest first; only each updater's newest with
    /// `latest_only`.
    pub async fn update_operations(
        &self,
        kind: UpdateKind,
        latest_only: bool,
    ) -> Result<BTreeMap<String, Vec<UpdateOperation>>, StoreError> {
        self.store().update_operations(kind, latest_only).await
    }

    /// The operation with this ref; `None` when there is none.
    pub async fn update_operation(
        &self,
        reference: &str,
    ) -> Result<Option<UpdateOperation>, StoreError> {
        match self.store().update_operation(reference).await {
            Ok(operation) => Ok(Some(operation)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Deletes these operations and their links; how many operations went.
    pub async fn delete_update_operations(&self, refs: &[String]) -> Result<u64, StoreError> {
        self.store().delete_update_operations(refs).await
    }

    /// What `cur` added and removed relative to `prev` (everything added when `None`).
    pub async fn update_diff(
        &self,
        prev: Option<&str>,
        cur: &str,
    ) -> Result<UpdateDiff, StoreError> {
        self.store().update_diff(prev, cur).await
    }
}
