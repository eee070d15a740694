//! Deleting update operations and garbage collection. Same bounds as `db.rs`.

use sqlx::types::Json;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Type};

use super::GcOutcome;
use super::db::{Affected, Db, ROWS_PER_STATEMENT};
use crate::error::{Context, StoreError};

/// Points every (updater, kind) without a latest operation at its newest remaining
/// one, after deletions took its latest away (the cascade removed that row).
pub(crate) const REPAIR_LATEST: &str = "INSERT INTO latest_update_operation \
     (updater, kind, operation_id) SELECT updater, kind, MAX(id) FROM update_operation \
     WHERE true GROUP BY updater, kind ON CONFLICT (updater, kind) DO NOTHING";

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
    /// Deletes the operations with these refs (their links cascade) in one
    /// transaction; unknown refs are skipped. Unlinked rows wait for [`Db::gc`].
    pub(crate) async fn delete_update_operations(
        &self,
        refs: &[String],
    ) -> Result<u64, StoreError> {
        let what = || format!("deleting {} update operations", refs.len());
        let (mut tx, _gate) = self.begin_write().await.context(what)?;
        let mut deleted = 0;
        for chunk in refs.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<DB>::new("DELETE FROM update_operation WHERE ref IN (");
            let mut list = query.separated(", ");
            for reference in chunk {
                list.push_bind(reference.as_str());
            }
            query.push(")");
            deleted += query
                .build()
                .execute(&mut *tx)
                .await
                .context(what)?
                .affected();
        }
        sqlx::query(REPAIR_LATEST)
            .execute(&mut *tx)
            .await
            .context(what)?;
        tx.commit().await.context(what)?;
        Ok(deleted)
    }

    pub(crate) async fn gc(
        &self,
        retention: usize,
        max_deletions: usize,
    ) -> Result<GcOutcome, StoreError> {
        let mut outcome = GcOutcome::default();
        if retention == 0 {
            return Ok(outcome);
        }
        let what = || "collecting garbage in the matcher database".to_string();
        let (mut tx, gate) = self.begin_write().await.context(what)?;
        if let Some(exclude) = self.exclude_writers {
            sqlx::query(exclude).execute(&mut *tx).await.context(what)?;
        }
        let expired: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM (SELECT id, ROW_NUMBER() OVER \
             (PARTITION BY updater, kind ORDER BY id DESC) AS newness FROM update_operation) \
             ranked WHERE newness > $1 ORDER BY id",
        )
        .bind(i64::try_from(retention).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .context(what)?;
        // Oldest first, at most `max_deletions`: each one cascades to all its links.
        let batch = &expired[..expired.len().min(max_deletions)];
        for chunk in batch.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<DB>::new("DELETE FROM update_operation WHERE id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(")");
            outcome.deleted_operations += query
                .build()
                .execute(&mut *tx)
                .await
                .context(what)?
                .affected();
        }
        outcome.remaining = (expired.len() - batch.len()) as u64;
        sqlx::query(REPAIR_LATEST)
            .execute(&mut *tx)
            .await
            .context(what)?;
        outcome.deleted_vulnerabilities = sqlx::query(
            "DELETE FROM vulnerability WHERE NOT EXISTS (SELECT 1 FROM \
             update_operation_vulnerability l WHERE l.vulnerability_id = vulnerability.id)",
        )
        .execute(&mut *tx)
        .await
        .context(what)?
        .affected();
        outcome.deleted_enrichments = sqlx::query(
            "DELETE FROM enrichment WHERE NOT EXISTS (SELECT 1 FROM \
             update_operation_enrichment l WHERE l.enrichment_id = enrichment.id)",
        )
        .execute(&mut *tx)
        .await
        .context(what)?
        .affected();
        tx.commit().await.context(what)?;
        drop(gate);
        self.analyze_after(outcome.deleted_vulnerabilities + outcome.deleted_enrichments)
            .await;
        Ok(outcome)
    }
}
