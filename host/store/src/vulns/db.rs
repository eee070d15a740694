//! The matcher's queries, written once for both backends as the indexer's are (see
//! `crate::sql`): `$n` binds, `ON CONFLICT`, `RETURNING`, window functions.
//! This file: reads. `maintenance.rs`: deletions and GC; `writer.rs`: update writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use scry_model::{EnrichmentRecord, UpdateDiff, UpdateKind, UpdateOperation, Vulnerability};
use sqlx::postgres::PgQueryResult;
use sqlx::sqlite::SqliteQueryResult;
use sqlx::types::Json;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Row,
    Transaction, Type,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::UpdaterStatus;
use super::clock::{parse_rfc3339, rfc3339};
use super::columns::{self, select_list};
use crate::error::{Context, StoreError};

/// Binds per statement stay far below both backends' limits (SQLite: 32766).
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

pub(crate) struct Db<DB: Database> {
    pub pool: Pool<DB>,
    /// Opens a write transaction (SQLite's takes the write lock up front).
    pub begin: &'static str,
    /// PostgreSQL: keeps update writers out while GC deletes unlinked rows, so a
    /// writer never links a row GC is deleting. SQLite writers exclude each other.
    pub exclude_writers: Option<&'static str>,
    /// SQLite: writers queue here, without the busy timeout that would fail an
    /// updater waiting behind a long import.
    pub gate: Option<Arc<Mutex<()>>>,
    /// PostgreSQL: refreshes planner statistics after large writes. Plans made from
    /// statistics of a near-empty table scan every operation's links per lookup.
    pub analyze: Option<&'static str>,
    /// Appended to a correlated EXISTS to keep it a per-row probe: PostgreSQL turns
    /// a plain one into a join, which may hash every operation's links.
    pub keep_subquery: &'static str,
}

/// Records an operation or GC must change before statistics are refreshed.
pub(crate) const ANALYZE_AFTER: u64 = 10_000;

impl<DB: Database> Clone for Db<DB> {
    fn clone(&self) -> Self {
        Db {
            pool: self.pool.clone(),
            begin: self.begin,
            exclude_writers: self.exclude_writers,
            gate: self.gate.clone(),
            analyze: self.analyze,
            keep_subquery: self.keep_subquery,
        }
    }
}

/// Rows a statement changed; sqlx has no backend-neutral accessor.
pub(crate) trait Affected {
    fn affected(&self) -> u64;
}

impl Affected for SqliteQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for PgQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// An update operation row: its id orders operations (newest highest).
pub(crate) struct OperationRow {
    pub id: i64,
    pub operation: UpdateOperation,
}

const OPERATION_COLUMNS: &str = "o.id, o.ref, o.updater, o.fingerprint, o.date, o.kind";

impl<DB> Db<DB>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB> + Default,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'a> Encode<'a, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    bool: for<'a> Encode<'a, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> Json<&'a [String]>: Encode<'a, DB> + Type<DB>,
    for<'a> Json<&'a serde_json::Value>: Encode<'a, DB> + Type<DB>,
    Json<Vec<String>>: for<'r> Decode<'r, DB> + Type<DB>,
    Json<serde_json::Value>: for<'r> Decode<'r, DB> + Type<DB>,
{
    /// A write transaction, after the SQLite gate if there is one.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<(Transaction<'static, DB>, Option<OwnedMutexGuard<()>>), sqlx::Error> {
        let gate = match &self.gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        Ok((self.pool.begin_with(self.begin).await?, gate))
    }

    /// Refreshes statistics if `changed` rows warrant it. The write is already
    /// committed, so a failure is only logged.
    pub(crate) async fn analyze_after(&self, changed: u64) {
        let Some(analyze) = self.analyze.filter(|_| changed >= ANALYZE_AFTER) else {
            return;
        };
        if let Err(err) = sqlx::query(analyze).execute(&self.pool).await {
            tracing::warn!(error = %err, "refreshing statistics of the matcher tables");
        }
    }

    pub(crate) async fn operation(&self, reference: &str) -> Result<OperationRow, StoreError> {
        let row = sqlx::query(
            "SELECT o.id, o.ref, o.updater, o.fingerprint, o.date, o.kind \
             FROM update_operation o WHERE o.ref = $1",
        )
        .bind(reference)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("looking up update operation {reference}"))?;
        match row {
            Some(row) => operation_row::<DB>(&row),
            None => Err(StoreError::NotFound {
                what: format!("update operation {reference}"),
            }),
        }
    }

    pub(crate) async fn latest_fingerprint(
        &self,
        updater: &str,
        kind: UpdateKind,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT o.fingerprint FROM latest_update_operation l \
             JOIN update_operation o ON o.id = l.operation_id \
             WHERE l.updater = $1 AND l.kind = $2",
        )
        .bind(updater)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading the latest fingerprint of updater {updater}"))
    }

    pub(crate) async fn has_operation(
        &self,
        updater: &str,
        kind: UpdateKind,
        fingerprint: &str,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM update_operation \
             WHERE updater = $1 AND kind = $2 AND fingerprint = $3 LIMIT 1",
        )
        .bind(updater)
        .bind(kind.as_str())
        .bind(fingerprint)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("looking up fingerprint {fingerprint:?} of updater {updater}"))?;
        Ok(found.is_some())
    }

    pub(crate) async fn update_operations(
        &self,
        kind: UpdateKind,
        latest_only: bool,
    ) -> Result<BTreeMap<String, Vec<UpdateOperation>>, StoreError> {
        let mut query = QueryBuilder::<DB>::new(format!(
            "SELECT {OPERATION_COLUMNS} FROM update_operation o "
        ));
        if latest_only {
            query.push("JOIN latest_update_operation l ON l.operation_id = o.id ");
        }
        query.push("WHERE o.kind = ");
        query.push_bind(kind.as_str());
        query.push(" ORDER BY o.updater, o.id DESC");
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .context(|| format!("listing {} update operations", kind.as_str()))?;
        let mut by_updater: BTreeMap<String, Vec<UpdateOperation>> = BTreeMap::new();
        for row in rows {
            let OperationRow { operation, .. } = operation_row::<DB>(&row)?;
            by_updater
                .entry(operation.updater.clone())
                .or_default()
                .push(operation);
        }
        Ok(by_updater)
    }

    pub(crate) async fn latest_ref(&self, kind: UpdateKind) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT ref FROM update_operation WHERE kind = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading the newest {} update operation", kind.as_str()))
    }

    pub(crate) async fn initialized(&self) -> Result<bool, StoreError> {
        let any: Option<i64> = sqlx::query_scalar("SELECT id FROM vulnerability LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .context(|| "checking for stored vulnerabilities".into())?;
        Ok(any.is_some())
    }

    pub(crate) async fn generation(&self) -> Result<u64, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT updater, kind, operation_id FROM latest_update_operation \
             ORDER BY updater, kind",
        )
        .fetch_all(&self.pool)
        .await
        .context(|| "reading the latest update operations".into())?;
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&rows, &mut hasher);
        Ok(std::hash::Hasher::finish(&hasher))
    }

    /// Vulnerabilities linked to `cur` and not to `prev`, by row id.
    async fn linked_only_to(
        &self,
        cur: i64,
        prev: Option<i64>,
        what: &(dyn Fn() -> String + Sync),
    ) -> Result<Vec<Vulnerability>, StoreError> {
        let mut query = QueryBuilder::<DB>::new(format!(
            "SELECT {} FROM update_operation_vulnerability l \
             JOIN vulnerability v ON v.id = l.vulnerability_id WHERE l.operation_id = ",
            select_list()
        ));
        query.push_bind(cur);
        if let Some(prev) = prev {
            query.push(
                " AND NOT EXISTS (SELECT 1 FROM update_operation_vulnerability p \
                 WHERE p.vulnerability_id = l.vulnerability_id AND p.operation_id = ",
            );
            query.push_bind(prev);
            query.push(")");
        }
        query.push(" ORDER BY v.id");
        let rows = query.build().fetch_all(&self.pool).await.context(what)?;
        rows.iter().map(columns::decode::<DB>).collect()
    }

    pub(crate) async fn update_diff(
        &self,
        prev: Option<&str>,
        cur: &str,
    ) -> Result<UpdateDiff, StoreError> {
        let cur_op = self.operation(cur).await?;
        let prev_op = match prev {
            Some(prev) => Some(self.operation(prev).await?),
            None => None,
        };
        let prev_id = prev_op.as_ref().map(|op| op.id);
        let what = || format!("diffing update operations {prev:?} and {cur}");
        let added = self.linked_only_to(cur_op.id, prev_id, &what).await?;
        let removed = match prev_id {
            Some(prev_id) => self.linked_only_to(prev_id, Some(cur_op.id), &what).await?,
            None => Vec::new(),
        };
        let null_if_empty = |list: Vec<Vulnerability>| (!list.is_empty()).then_some(list);
        Ok(UpdateDiff {
            prev: prev_op
                .map(|op| op.operation)
                .unwrap_or_else(UpdateOperation::zero),
            cur: cur_op.operation,
            added: null_if_empty(added),
            removed: null_if_empty(removed),
        })
    }

    pub(crate) async fn vulnerabilities_for_packages(
        &self,
        names: &[String],
    ) -> Result<HashMap<String, Vec<Arc<Vulnerability>>>, StoreError> {
        let names: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        let names: Vec<&str> = names.into_iter().collect();
        let mut found: HashMap<String, Vec<Arc<Vulnerability>>> = HashMap::new();
        for chunk in names.chunks(ROWS_PER_STATEMENT) {
            // Driven by the package-name index, then per row a probe of its links:
            // never a scan of the links, whatever the planner's statistics say.
            let mut query = QueryBuilder::<DB>::new(format!(
                "SELECT {} FROM vulnerability v WHERE EXISTS (SELECT 1 \
                 FROM update_operation_vulnerability l \
                 JOIN latest_update_operation o ON o.operation_id = l.operation_id \
                 WHERE l.vulnerability_id = v.id AND o.kind = 'vulnerability'{}) \
                 AND v.package_name IN (",
                select_list(),
                self.keep_subquery,
            ));
            let mut list = query.separated(", ");
            for name in chunk {
                list.push_bind(*name);
            }
            query.push(")");
            let rows =
                query.build().fetch_all(&self.pool).await.context(|| {
                    format!("looking up vulnerabilities of {} packages", chunk.len())
                })?;
            for row in rows {
                let vuln = columns::decode::<DB>(&row)?;
                let package = vuln
                    .package
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                found.entry(package).or_default().push(Arc::new(vuln));
            }
        }
        Ok(found)
    }

    /// Up to `limit` vulnerabilities of an operation with row ids above `after`.
    pub(crate) async fn vulnerabilities_page(
        &self,
        reference: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Vulnerability>, StoreError> {
        let op = self.operation(reference).await?;
        let mut query = QueryBuilder::<DB>::new(format!(
            "SELECT {} FROM update_operation_vulnerability l \
             JOIN vulnerability v ON v.id = l.vulnerability_id WHERE l.operation_id = ",
            select_list()
        ));
        query.push_bind(op.id);
        query.push(" AND l.vulnerability_id > ");
        query.push_bind(after);
        query.push(" ORDER BY l.vulnerability_id LIMIT ");
        query.push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .context(|| format!("reading vulnerabilities of update operation {reference}"))?;
        rows.iter().map(columns::decode::<DB>).collect()
    }

    pub(crate) async fn enrichments_of(
        &self,
        reference: &str,
    ) -> Result<Vec<EnrichmentRecord>, StoreError> {
        let op = self.operation(reference).await?;
        let what = || format!("reading enrichments of update operation {reference}");
        let rows = sqlx::query(
            "SELECT e.tags, e.data FROM update_operation_enrichment l \
             JOIN enrichment e ON e.id = l.enrichment_id WHERE l.operation_id = $1 ORDER BY e.id",
        )
        .bind(op.id)
        .fetch_all(&self.pool)
        .await
        .context(what)?;
        rows.iter()
            .map(|row| {
                let Json(tags): Json<Vec<String>> = row.try_get(0).context(what)?;
                let Json(enrichment): Json<serde_json::Value> = row.try_get(1).context(what)?;
                Ok(EnrichmentRecord { tags, enrichment })
            })
            .collect()
    }

    pub(crate) async fn enrichments(
        &self,
        updater: &str,
        tags: &[String],
    ) -> Result<HashMap<String, Vec<serde_json::Value>>, StoreError> {
        let tags: BTreeSet<&str> = tags.iter().map(String::as_str).collect();
        let tags: Vec<&str> = tags.into_iter().collect();
        let mut found: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
        let what = || format!("looking up enrichments of updater {updater}");
        for chunk in tags.chunks(ROWS_PER_STATEMENT) {
            // From the tag index to the link, so a large operation is never scanned.
            let mut query = QueryBuilder::<DB>::new(
                "SELECT t.tag, e.data FROM enrichment_tag t \
                 JOIN update_operation_enrichment l ON l.enrichment_id = t.enrichment_id \
                 JOIN latest_update_operation o ON o.operation_id = l.operation_id \
                 JOIN enrichment e ON e.id = t.enrichment_id \
                 WHERE o.kind = 'enrichment' AND o.updater = ",
            );
            query.push_bind(updater);
            query.push(" AND t.tag IN (");
            let mut list = query.separated(", ");
            for tag in chunk {
                list.push_bind(*tag);
            }
            query.push(") ORDER BY e.id");
            let rows = query.build().fetch_all(&self.pool).await.context(what)?;
            for row in rows {
                let tag: String = row.try_get(0).context(what)?;
                let Json(data): Json<serde_json::Value> = row.try_get(1).context(what)?;
                found.entry(tag).or_default().push(data);
            }
        }
        Ok(found)
    }

    pub(crate) async fn record_updater_status(
        &self,
        updater: &str,
        status: &UpdaterStatus,
    ) -> Result<(), StoreError> {
        // Statuses are small single-row upserts: no gate, SQLite's busy wait suffices.
        sqlx::query(
            "INSERT INTO updater_status (updater, last_attempt, last_success, \
             last_run_succeeded, last_attempt_fingerprint, last_error) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (updater) DO UPDATE SET \
             last_attempt = excluded.last_attempt, \
             last_success = COALESCE(excluded.last_success, updater_status.last_success), \
             last_run_succeeded = excluded.last_run_succeeded, \
             last_attempt_fingerprint = excluded.last_attempt_fingerprint, \
             last_error = excluded.last_error",
        )
        .bind(updater)
        .bind(rfc3339(status.last_attempt).as_str())
        .bind(status.last_success.map(rfc3339).as_deref())
        .bind(status.last_run_succeeded)
        .bind(status.last_attempt_fingerprint.as_str())
        .bind(status.last_error.as_str())
        .execute(&self.pool)
        .await
        .context(|| format!("recording the status of updater {updater}"))?;
        Ok(())
    }

    pub(crate) async fn updater_statuses(
        &self,
    ) -> Result<Vec<(String, UpdaterStatus)>, StoreError> {
        let what = || "reading updater statuses".to_string();
        let rows = sqlx::query(
            "SELECT updater, last_attempt, last_success, last_run_succeeded, \
             last_attempt_fingerprint, last_error FROM updater_status ORDER BY updater",
        )
        .fetch_all(&self.pool)
        .await
        .context(what)?;
        let time = |text: String| {
            parse_rfc3339(&text).ok_or_else(|| StoreError::Corrupt {
                what: what(),
                reason: format!("{text:?} is not an RFC 3339 time"),
            })
        };
        rows.iter()
            .map(|row| {
                let last_success: Option<String> = row.try_get(2).context(what)?;
                let text = |at: usize| -> Result<String, StoreError> {
                    let value: Option<String> = row.try_get(at).context(what)?;
                    Ok(value.unwrap_or_default())
                };
                let status = UpdaterStatus {
                    last_attempt: time(row.try_get(1).context(what)?)?,
                    last_success: last_success.map(time).transpose()?,
                    last_run_succeeded: row.try_get(3).context(what)?,
                    last_attempt_fingerprint: text(4)?,
                    last_error: text(5)?,
                };
                Ok((row.try_get(0).context(what)?, status))
            })
            .collect()
    }
}

/// A row of [`OPERATION_COLUMNS`].
fn operation_row<DB>(row: &DB::Row) -> Result<OperationRow, StoreError>
where
    DB: Database,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
{
    let what = || "reading an update operation".to_string();
    Ok(OperationRow {
        id: row.try_get(0).context(what)?,
        operation: UpdateOperation {
            reference: row.try_get(1).context(what)?,
            updater: row.try_get(2).context(what)?,
            fingerprint: row.try_get(3).context(what)?,
            date: row.try_get(4).context(what)?,
            kind: row.try_get(5).context(what)?,
        },
    })
}
