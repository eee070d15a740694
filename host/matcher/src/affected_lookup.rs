//! The affected-manifest lookup as a service: what the indexer's internal route and,
//! in combo mode, the notifier's in-process source both call.

use std::sync::Arc;

use scry_model::{AffectedManifests, Vulnerability};
use scry_store::IndexStore;

use crate::affected::{AffectedError, affected_manifests};
use crate::live::LiveMatchers;
use crate::matching::Matchers;

pub struct AffectedLookup {
    index: IndexStore,
    /// Replaced whole when matcher plugins change.
    matchers: Arc<LiveMatchers>,
}

impl AffectedLookup {
    /// `index`: the indexer's store; `matchers`: the plugins that judge.
    pub fn new(index: IndexStore, matchers: Matchers) -> AffectedLookup {
        AffectedLookup {
            index,
            matchers: LiveMatchers::new(matchers),
        }
    }

    /// The replaceable set itself (for plugin hot-swap).
    pub fn live_matchers(&self) -> &Arc<LiveMatchers> {
        &self.matchers
    }

    /// For each vulnerability, the manifests some matcher finds vulnerable to it,
    /// judged by the set current at the call.
    pub async fn affected_manifests(
        &self,
        vulnerabilities: Vec<Vulnerability>,
    ) -> Result<AffectedManifests, AffectedError> {
        affected_manifests(&self.index, &self.matchers.current(), vulnerabilities).await
    }
}
