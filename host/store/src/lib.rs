//! The indexer's storage, on SQLite (one file, the default) or PostgreSQL (shared by
//! several indexer processes), chosen at run time from the connection string.
//!
//! What is kept: per (layer, scanner) what the scanner found, so a layer is scanned
//! once per scanner version whatever manifests list it; per manifest its ordered
//! layers, its index report and the `index_state` it was made with; and the reverse
//! index from package names to manifests that the notifier needs.
//!
//! The matcher's vulnerability store, [`VulnStore`] (module `vulns`), the notifier's
//! [`NotificationStore`] and a service's [`PluginSet`] live here too. All stand on one
//! skeleton (module `database`): the same backends and connection strings, each
//! service its own migrations, possibly all in the same database.
//!
//! Invariant: every write is one transaction. A reader sees a manifest's report, layer
//! list and index rows all from the same write, or none of them, even if the writer
//! dies half-way.

mod connect;
mod database;
mod error;
mod findings;
mod lock;
mod notifications;
mod plugin_set;
mod postgres;
mod rows;
mod sql;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod vulns;

use std::collections::HashSet;

use scry_model::{IndexReport, LayerArtifacts, ScannerId};

pub use error::StoreError;
pub use findings::ScannerFindings;
pub use lock::{LockGuard, lock_id};
pub use notifications::{NotificationStore, RECEIPT_RETENTION_MS, Receipt, SetStatus};
pub use plugin_set::{PluginOverride, PluginSet};
pub use rows::{IndexRow, index_rows};
pub use vulns::{GcOutcome, UpdateWriter, UpdaterStatus, VulnStore};

use database::{Database, MigrationSet, database_methods, with_queries};
use sql::Indexer;

/// The indexer's database, SQLite or PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub struct IndexStore {
    db: Database<Indexer>,
}

impl IndexStore {
    /// Opens `conn`: a `postgres://` or `postgresql://` URL or a libpq `key=value`
    /// string for PostgreSQL; a `sqlite://` URL or a file path for SQLite (created if
    /// missing, with its directory). `run_migrations` brings the schema up to date.
    pub async fn connect(conn: &str, run_migrations: bool) -> Result<IndexStore, StoreError> {
        let db = Database::connect(conn, MigrationSet::Indexer, run_migrations, Indexer).await?;
        Ok(IndexStore { db })
    }

    database_methods!();

    /// The scanner plugin set every indexer on this database follows.
    pub fn plugin_set(&self) -> PluginSet {
        PluginSet::sharing(&self.db, "")
    }

    /// Records the scanners in use (also done on first use by
    /// [`IndexStore::put_layer_results`]).
    pub async fn register_scanners(&self, scanners: &[ScannerId]) -> Result<(), StoreError> {
        with_queries!(self.db, sql => sql.scanner_ids(scanners).await.map(drop))
    }

    /// The (layer, scanner) pairs among these that have stored results, including
    /// results that found nothing.
    pub async fn scanned(
        &self,
        layer_digests: &[String],
        scanners: &[ScannerId],
    ) -> Result<HashSet<(String, ScannerId)>, StoreError> {
        with_queries!(self.db, sql => sql.scanned(layer_digests, scanners).await)
    }

    /// Stores what each scanner found in `layer` (an entry per scanner that ran, empty
    /// or not) and the layer's whiteout paths, in one transaction. Storing a pair again
    /// keeps the first results: a scanner version's output for a layer never changes.
    pub async fn put_layer_results(
        &self,
        layer: &str,
        results: &[(ScannerId, ScannerFindings)],
        whiteouts: &[String],
    ) -> Result<(), StoreError> {
        with_queries!(self.db, sql => sql.put_layer_results(layer, results, whiteouts).await)
    }

    /// The layer's stored artifacts for `scanners`, in that scanner order, with its
    /// whiteouts. Scanners without stored results for it contribute nothing (see
    /// [`IndexStore::scanned`]).
    pub async fn layer_artifacts(
        &self,
        layer: &str,
        scanners: &[ScannerId],
    ) -> Result<LayerArtifacts, StoreError> {
        with_queries!(self.db, sql => sql.layer_artifacts(layer, scanners).await)
    }

    /// The stored report of `manifest` and the `index_state` it was made with.
    pub async fn index_report(
        &self,
        manifest: &str,
    ) -> Result<Option<(IndexReport, String)>, StoreError> {
        with_queries!(self.db, sql => sql.index_report(manifest).await)
    }

    /// The manifest's layers in order, as last stored with its report.
    pub async fn manifest_layers(&self, manifest: &str) -> Result<Option<Vec<String>>, StoreError> {
        with_queries!(self.db, sql => sql.manifest_layers(manifest).await)
    }

    /// Stores (or replaces) the manifest, its ordered layers, its report and the
    /// reverse-index rows of the report's packages, in one transaction.
    pub async fn put_index_report(
        &self,
        manifest: &str,
        layers: &[String],
        report: &IndexReport,
        index_state: &str,
    ) -> Result<(), StoreError> {
        with_queries!(self.db, sql => sql.put_index_report(manifest, layers, report, index_state, true).await)
    }

    /// Deletes each manifest (its report, layer list and index rows) and then those of
    /// its layers that no other manifest lists, with their scan results; one
    /// transaction per manifest. Returns the deleted ones in input order: absent
    /// manifests, and manifests being indexed (their lock is held), are skipped.
    pub async fn delete_manifests(&self, manifests: &[String]) -> Result<Vec<String>, StoreError> {
        let mut deleted = Vec::new();
        for manifest in manifests {
            let Some(guard) = self.try_lock(manifest).await? else {
                tracing::debug!(manifest, "not deleting: being indexed");
                continue;
            };
            let removed = with_queries!(self.db, sql => sql.delete_manifest(manifest).await);
            guard.release().await?;
            if removed? {
                deleted.push(manifest.clone());
            }
        }
        Ok(deleted)
    }

    /// Reverse-index rows of every manifest containing a package named `package_name`,
    /// or built from a source package of that name; sorted by manifest. Callers filter
    /// further on distribution and repository.
    pub async fn affected_manifests(
        &self,
        package_name: &str,
    ) -> Result<Vec<IndexRow>, StoreError> {
        with_queries!(self.db, sql => sql.affected_manifests(package_name).await)
    }
}
