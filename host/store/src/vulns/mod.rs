//! The matcher's vulnerability store (Clair's update-operation model, spec 6.1): each
//! updater run that changed something is an update operation; vulnerabilities and
//! enrichment records are stored once per (updater, content hash) and linked to every
//! operation that supplied them. Matching sees only each updater's latest operation,
//! kept in `latest_update_operation` so lookups never scan operations.
//!
//! Rows are unique per updater and content hash, not per hash alone as in Clair: a
//! vulnerability two updaters state identically is stored twice, so its `updater` is
//! always the one whose operation is visible.
//!
//! Invariant: an operation is written in one transaction, from `begin_update` to
//! `commit`; readers see all of it or none of it, and a dropped writer leaves nothing.

mod bulk;
mod clock;
mod columns;
mod db;
mod maintenance;
mod writer;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::SystemTime;

use scry_model::{EnrichmentRecord, UpdateDiff, UpdateKind, UpdateOperation, Vulnerability};
use sqlx::{Pool, Postgres, Sqlite};
use tokio::sync::Mutex;

use crate::database::{
    Backend, Database, Engine, Kind, MigrationSet, Schema, database_methods, with_queries,
};
use crate::error::StoreError;
pub(crate) use db::Affected;
use db::Db;
use writer::Writer;

/// The matcher's database, SQLite or PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub struct VulnStore {
    db: Database<Matcher>,
}

/// The matcher's tables: [`VulnStore`]'s schema.
#[derive(Clone, Copy)]
struct Matcher;

impl Schema for Matcher {
    type Queries<DB: Engine> = Db<DB>;

    fn queries<DB: Engine>(&self, pool: Pool<DB>) -> Db<DB> {
        match DB::KIND {
            Kind::Sqlite => Db {
                pool,
                begin: DB::BEGIN_WRITE,
                exclude_writers: None,
                gate: Some(Arc::new(Mutex::new(()))),
                analyze: None,
                keep_subquery: "",
            },
            Kind::Postgres => Db {
                pool,
                begin: DB::BEGIN_WRITE,
                // Conflicts with the row-exclusive lock every open writer holds on
                // update_operation from its first statement, and with itself.
                exclude_writers: Some("LOCK TABLE update_operation IN SHARE ROW EXCLUSIVE MODE"),
                gate: None,
                analyze: Some(
                    "ANALYZE update_operation, latest_update_operation, vulnerability, \
                     update_operation_vulnerability, enrichment, enrichment_tag, \
                     update_operation_enrichment",
                ),
                keep_subquery: " OFFSET 0",
            },
        }
    }

    /// Lookups by batches of hashes and names bind hundreds of values; a cached
    /// generic plan made while a table was small would scan it.
    fn postgres_settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("plan_cache_mode", "force_custom_plan")]
    }
}

/// What an updater's last run did, as Clair's `updater_status` table has it. Times
/// are stored to the microsecond.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdaterStatus {
    pub last_attempt: SystemTime,
    /// Recording `None` keeps the stored value (a failed run).
    pub last_success: Option<SystemTime>,
    pub last_run_succeeded: bool,
    /// Empty when the run wrote nothing.
    pub last_attempt_fingerprint: String,
    /// Empty after a successful run.
    pub last_error: String,
}

/// What one [`VulnStore::gc`] call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcOutcome {
    pub deleted_operations: u64,
    /// Operations past retention still to delete (by later calls).
    pub remaining: u64,
    pub deleted_vulnerabilities: u64,
    pub deleted_enrichments: u64,
}

impl VulnStore {
    /// Opens `conn` as [`crate::IndexStore::connect`] does; `run_migrations` brings the
    /// matcher's tables up to date (they may share the database with the indexer's).
    pub async fn connect(conn: &str, run_migrations: bool) -> Result<VulnStore, StoreError> {
        let db = Database::connect(conn, MigrationSet::Matcher, run_migrations, Matcher).await?;
        Ok(VulnStore { db })
    }

    database_methods!();

    /// The matcher plugin set every matcher on this database follows.
    pub fn plugin_set(&self) -> crate::PluginSet {
        crate::PluginSet::sharing(&self.db, "matcher_")
    }

    /// Starts an update operation of `updater`: one transaction until
    /// [`UpdateWriter::commit`]. `delta` operations carry over the previous
    /// operation's vulnerabilities under names they neither supply nor delete. On
    /// SQLite writers queue behind each other here.
    pub async fn begin_update(
        &self,
        updater: &str,
        fingerprint: &str,
        kind: UpdateKind,
        delta: bool,
    ) -> Result<UpdateWriter, StoreError> {
        let inner = match &self.db.backend {
            Backend::Sqlite { queries: db, .. } => {
                WriterBackend::Sqlite(Writer::begin(db, updater, fingerprint, kind, delta).await?)
            }
            Backend::Postgres { queries: db, .. } => {
                WriterBackend::Postgres(Writer::begin(db, updater, fingerprint, kind, delta).await?)
            }
        };
        Ok(UpdateWriter { inner })
    }

    /// The fingerprint of the updater's latest operation of `kind`.
    pub async fn latest_fingerprint(
        &self,
        updater: &str,
        kind: UpdateKind,
    ) -> Result<Option<String>, StoreError> {
        with_queries!(self.db, db => db.latest_fingerprint(updater, kind).await)
    }

    /// Whether any operation of the updater and kind has this fingerprint (airgap
    /// imports skip those).
    pub async fn has_operation(
        &self,
        updater: &str,
        kind: UpdateKind,
        fingerprint: &str,
    ) -> Result<bool, StoreError> {
        with_queries!(self.db, db => db.has_operation(updater, kind, fingerprint).await)
    }

    /// Operations of `kind` by updater, newest first; only each one's latest if
    /// `latest_only`. `kind` is filled in (Clair's listings leave it empty).
    pub async fn update_operations(
        &self,
        kind: UpdateKind,
        latest_only: bool,
    ) -> Result<BTreeMap<String, Vec<UpdateOperation>>, StoreError> {
        with_queries!(self.db, db => db.update_operations(kind, latest_only).await)
    }

    /// The ref of the newest operation of `kind` over all updaters (an ETag).
    pub async fn latest_ref(&self, kind: UpdateKind) -> Result<Option<String>, StoreError> {
        with_queries!(self.db, db => db.latest_ref(kind).await)
    }

    /// The operation with this ref.
    pub async fn update_operation(&self, reference: &str) -> Result<UpdateOperation, StoreError> {
        with_queries!(self.db, db => db.operation(reference).await.map(|row| row.operation))
    }

    /// Deletes these operations and their links in one transaction; returns how many
    /// existed. An updater whose latest operation goes falls back to its previous one.
    /// Rows left unlinked are removed by [`VulnStore::gc`].
    pub async fn delete_update_operations(&self, refs: &[String]) -> Result<u64, StoreError> {
        with_queries!(self.db, db => db.delete_update_operations(refs).await)
    }

    /// Vulnerabilities linked to `cur` and not `prev` (added) and the reverse
    /// (removed); empty lists are `None`, as Clair's `null`. Without `prev` everything
    /// in `cur` is added and `prev` is [`UpdateOperation::zero`].
    pub async fn update_diff(
        &self,
        prev: Option<&str>,
        cur: &str,
    ) -> Result<UpdateDiff, StoreError> {
        with_queries!(self.db, db => db.update_diff(prev, cur).await)
    }

    /// Per updater keeps the newest `retention` operations of each kind and deletes
    /// older ones, oldest first and at most `max_deletions`; then deletes rows no
    /// operation links. Retention 0 does nothing. One transaction; on PostgreSQL
    /// update writers wait for it.
    pub async fn gc(
        &self,
        retention: usize,
        max_deletions: usize,
    ) -> Result<GcOutcome, StoreError> {
        with_queries!(self.db, db => db.gc(retention, max_deletions).await)
    }

    /// Whether any vulnerability is stored (Clair answers 202 until then).
    pub async fn initialized(&self) -> Result<bool, StoreError> {
        with_queries!(self.db, db => db.initialized().await)
    }

    /// A number that changes whenever what matching reads changes: a digest of each
    /// updater's latest operation ids. Committed operations never change and ids are
    /// never reused, so equal generations mean equal match results.
    pub async fn generation(&self) -> Result<u64, StoreError> {
        with_queries!(self.db, db => db.generation().await)
    }

    /// Every vulnerability of each updater's latest vulnerability operation whose
    /// package name is one of `names`, by package name. `id` is the row id; package,
    /// distribution and repository are always present.
    pub async fn vulnerabilities_for_packages(
        &self,
        names: &[String],
    ) -> Result<HashMap<String, Vec<Arc<Vulnerability>>>, StoreError> {
        with_queries!(self.db, db => db.vulnerabilities_for_packages(names).await)
    }

    /// Up to `limit` vulnerabilities of an operation, by row id, with ids above
    /// `after` (start with 0, continue from the last id): for export.
    pub async fn vulnerabilities_page(
        &self,
        reference: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Vulnerability>, StoreError> {
        with_queries!(self.db, db => db.vulnerabilities_page(reference, after, limit).await)
    }

    /// Every vulnerability of an operation, by row id.
    pub async fn all_vulnerabilities_of(
        &self,
        reference: &str,
    ) -> Result<Vec<Vulnerability>, StoreError> {
        const PAGE: usize = 10_000;
        let mut all = Vec::new();
        loop {
            let after = all
                .last()
                .map(|v: &Vulnerability| v.id.parse().unwrap_or(i64::MAX))
                .unwrap_or(0);
            let page = self.vulnerabilities_page(reference, after, PAGE).await?;
            let done = page.len() < PAGE;
            all.extend(page);
            if done {
                return Ok(all);
            }
        }
    }

    /// Every enrichment record of an operation.
    pub async fn all_enrichments_of(
        &self,
        reference: &str,
    ) -> Result<Vec<EnrichmentRecord>, StoreError> {
        with_queries!(self.db, db => db.enrichments_of(reference).await)
    }

    /// Records of the updater's latest enrichment operation tagged with any of
    /// `tags`, by tag (a record with two of the tags is under both).
    pub async fn enrichments(
        &self,
        updater: &str,
        tags: &[String],
    ) -> Result<HashMap<String, Vec<serde_json::Value>>, StoreError> {
        with_queries!(self.db, db => db.enrichments(updater, tags).await)
    }

    /// Inserts or replaces the updater's status; `last_success: None` keeps the
    /// stored one.
    pub async fn record_updater_status(
        &self,
        updater: &str,
        status: UpdaterStatus,
    ) -> Result<(), StoreError> {
        with_queries!(self.db, db => db.record_updater_status(updater, &status).await)
    }

    /// Every recorded status, by updater name.
    pub async fn updater_statuses(&self) -> Result<Vec<(String, UpdaterStatus)>, StoreError> {
        with_queries!(self.db, db => db.updater_statuses().await)
    }
}

/// An update operation being written; see [`VulnStore::begin_update`]. Dropping it
/// without [`UpdateWriter::commit`] rolls everything back.
pub struct UpdateWriter {
    inner: WriterBackend,
}

enum WriterBackend {
    Sqlite(Writer<Sqlite>),
    Postgres(Writer<Postgres>),
}

macro_rules! with_writer {
    ($writer:expr, $w:ident => $body:expr) => {
        match $writer {
            WriterBackend::Sqlite($w) => $body,
            WriterBackend::Postgres($w) => $body,
        }
    };
}

impl UpdateWriter {
    /// The operation as it will be committed (its ref and date are already set).
    pub fn operation(&self) -> &UpdateOperation {
        with_writer!(&self.inner, w => w.operation())
    }

    /// Stores and links a batch. Vulnerabilities without a package name are dropped;
    /// returns how many distinct ones were kept.
    pub async fn add_vulnerabilities(
        &mut self,
        vulns: &[Vulnerability],
    ) -> Result<usize, StoreError> {
        with_writer!(&mut self.inner, w => w.add_vulnerabilities(vulns).await)
    }

    /// Stores and links a batch of enrichment records; returns how many distinct ones.
    pub async fn add_enrichments(
        &mut self,
        records: &[EnrichmentRecord],
    ) -> Result<usize, StoreError> {
        with_writer!(&mut self.inner, w => w.add_enrichments(records).await)
    }

    /// For delta updates: vulnerability names withdrawn, not carried over.
    pub async fn delete_names(&mut self, names: &[String]) -> Result<(), StoreError> {
        with_writer!(&mut self.inner, w => w.delete_names(names).await)
    }

    /// Commits the operation and makes it the updater's latest.
    pub async fn commit(self) -> Result<UpdateOperation, StoreError> {
        with_writer!(self.inner, w => w.commit().await)
    }
}
