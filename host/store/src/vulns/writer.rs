//! Writing one update operation: one transaction from `begin_update` to `commit`, so
//! matching sees all of an operation or none of it. Same bounds as `db.rs`.

use std::collections::{HashMap, HashSet};

use scry_model::{EnrichmentRecord, UpdateKind, UpdateOperation, Vulnerability};
use sqlx::types::Json;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Row, Transaction,
    Type,
};
use tokio::sync::OwnedMutexGuard;

use super::bulk::Bulk;
use super::clock::now_rfc3339;
use super::columns::{Flat, enrichment_hash, insert_list};
use super::db::{Affected, Db, ROWS_PER_STATEMENT};
use crate::error::{Context, StoreError};

pub(crate) struct Writer<DB: Database> {
    tx: Transaction<'static, DB>,
    /// For refreshing statistics after a large commit.
    db: Db<DB>,
    /// Records added, for deciding that.
    written: u64,
    /// SQLite's writer gate, held until commit or drop.
    gate: Option<OwnedMutexGuard<()>>,
    id: i64,
    operation: UpdateOperation,
    kind: UpdateKind,
    delta: bool,
}

impl<DB> Writer<DB>
where
    DB: Database + Bulk,
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
    pub(crate) async fn begin(
        db: &Db<DB>,
        updater: &str,
        fingerprint: &str,
        kind: UpdateKind,
        delta: bool,
    ) -> Result<Writer<DB>, StoreError> {
        let what = || format!("starting an update of updater {updater}");
        let (mut tx, gate) = db.begin_write().await.context(what)?;
        let operation = UpdateOperation {
            reference: uuid::Uuid::new_v4().to_string(),
            updater: updater.to_string(),
            fingerprint: fingerprint.to_string(),
            date: now_rfc3339(),
            kind: kind.as_str().to_string(),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO update_operation (ref, updater, fingerprint, kind, date) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(operation.reference.as_str())
        .bind(updater)
        .bind(fingerprint)
        .bind(kind.as_str())
        .bind(operation.date.as_str())
        .fetch_one(&mut *tx)
        .await
        .context(what)?;
        Ok(Writer {
            tx,
            db: db.clone(),
            written: 0,
            gate,
            id,
            operation,
            kind,
            delta,
        })
    }

    pub(crate) fn operation(&self) -> &UpdateOperation {
        &self.operation
    }

    /// Inserts the rows not stored yet and links all of them to this operation.
    /// Returns how many distinct vulnerabilities were kept.
    pub(crate) async fn add_vulnerabilities(
        &mut self,
        vulns: &[Vulnerability],
    ) -> Result<usize, StoreError> {
        let what = || describe(&self.operation, "storing vulnerabilities");
        let mut seen = HashSet::new();
        let flats: Vec<Flat> = vulns
            .iter()
            .filter_map(Flat::new)
            .filter(|flat| seen.insert(flat.hash.clone()))
            .collect();
        let updater = self.operation.updater.as_str();
        for chunk in flats.chunks(DB::ROWS) {
            let mut insert =
                QueryBuilder::<DB>::new(format!("INSERT INTO vulnerability ({}) ", insert_list()));
            DB::push_rows(&mut insert, updater, chunk);
            insert.push(" ON CONFLICT (updater, hash) DO NOTHING");
            insert.build().execute(&mut *self.tx).await.context(what)?;

            let mut link = QueryBuilder::<DB>::new(
                "INSERT INTO update_operation_vulnerability (operation_id, vulnerability_id) \
                 SELECT ",
            );
            link.push_bind(self.id);
            link.push(", id FROM vulnerability WHERE updater = ");
            link.push_bind(updater);
            link.push(" AND hash");
            let hashes: Vec<&str> = chunk.iter().map(|flat| flat.hash.as_str()).collect();
            DB::push_in(&mut link, &hashes);
            link.push(" ON CONFLICT DO NOTHING");
            link.build().execute(&mut *self.tx).await.context(what)?;
        }
        self.written += flats.len() as u64;
        Ok(flats.len())
    }

    /// Inserts the records not stored yet, with their tags, and links all of them.
    pub(crate) async fn add_enrichments(
        &mut self,
        records: &[EnrichmentRecord],
    ) -> Result<usize, StoreError> {
        let what = || describe(&self.operation, "storing enrichments");
        let mut by_hash: HashMap<String, &EnrichmentRecord> = HashMap::new();
        for record in records {
            by_hash.entry(enrichment_hash(record)).or_insert(record);
        }
        let hashed: Vec<(&String, &&EnrichmentRecord)> = by_hash.iter().collect();
        let updater = self.operation.updater.as_str();
        for chunk in hashed.chunks(ROWS_PER_STATEMENT) {
            let mut insert =
                QueryBuilder::<DB>::new("INSERT INTO enrichment (updater, hash, tags, data) ");
            insert.push_values(chunk, |mut row, (hash, record)| {
                row.push_bind(updater)
                    .push_bind(hash.as_str())
                    .push_bind(Json(record.tags.as_slice()))
                    .push_bind(Json(&record.enrichment));
            });
            // Only new rows come back: existing ones already have their tags.
            insert.push(" ON CONFLICT (updater, hash) DO NOTHING RETURNING id, hash");
            let created = insert
                .build()
                .fetch_all(&mut *self.tx)
                .await
                .context(what)?;
            let mut tags: Vec<(i64, &str)> = Vec::new();
            for row in &created {
                let id: i64 = row.try_get(0).context(what)?;
                let hash: String = row.try_get(1).context(what)?;
                let record_tags = by_hash.get(&hash).map(|r| r.tags.as_slice());
                let unique: HashSet<&str> = record_tags
                    .unwrap_or_default()
                    .iter()
                    .map(String::as_str)
                    .collect();
                tags.extend(unique.into_iter().map(|tag| (id, tag)));
            }
            for tags in tags.chunks(ROWS_PER_STATEMENT) {
                let mut insert =
                    QueryBuilder::<DB>::new("INSERT INTO enrichment_tag (enrichment_id, tag) ");
                insert.push_values(tags, |mut row, (id, tag)| {
                    row.push_bind(*id).push_bind(*tag);
                });
                insert.build().execute(&mut *self.tx).await.context(what)?;
            }

            let mut link = QueryBuilder::<DB>::new(
                "INSERT INTO update_operation_enrichment (operation_id, enrichment_id) SELECT ",
            );
            link.push_bind(self.id);
            link.push(", id FROM enrichment WHERE updater = ");
            link.push_bind(updater);
            link.push(" AND hash");
            let hashes: Vec<&str> = chunk.iter().map(|(hash, _)| hash.as_str()).collect();
            DB::push_in(&mut link, &hashes);
            link.push(" ON CONFLICT DO NOTHING");
            link.build().execute(&mut *self.tx).await.context(what)?;
        }
        self.written += by_hash.len() as u64;
        Ok(by_hash.len())
    }

    /// Names withdrawn by a delta update: not carried over from the previous operation.
    pub(crate) async fn delete_names(&mut self, names: &[String]) -> Result<(), StoreError> {
        let what = || describe(&self.operation, "recording deleted names");
        for chunk in names.chunks(ROWS_PER_STATEMENT) {
            let mut insert = QueryBuilder::<DB>::new(
                "INSERT INTO update_operation_deleted_name (operation_id, name) ",
            );
            insert.push_values(chunk, |mut row, name| {
                row.push_bind(self.id).push_bind(name.as_str());
            });
            insert.push(" ON CONFLICT DO NOTHING");
            insert.build().execute(&mut *self.tx).await.context(what)?;
        }
        Ok(())
    }

    pub(crate) async fn commit(mut self) -> Result<UpdateOperation, StoreError> {
        let what = || describe(&self.operation, "committing");
        let kind = self.kind.as_str();
        let updater = self.operation.updater.as_str();
        if self.delta && self.kind == UpdateKind::Vulnerability {
            let previous: Option<i64> = sqlx::query_scalar(
                "SELECT operation_id FROM latest_update_operation WHERE updater = $1 AND kind = $2",
            )
            .bind(updater)
            .bind(kind)
            .fetch_optional(&mut *self.tx)
            .await
            .context(what)?;
            if let Some(previous) = previous {
                // Everything of the previous operation under a name this one neither
                // supplied again nor withdrew.
                sqlx::query(
                    "INSERT INTO update_operation_vulnerability (operation_id, vulnerability_id) \
                     SELECT $1, l.vulnerability_id FROM update_operation_vulnerability l \
                     JOIN vulnerability v ON v.id = l.vulnerability_id \
                     WHERE l.operation_id = $2 \
                     AND v.name NOT IN (SELECT n.name FROM update_operation_vulnerability c \
                         JOIN vulnerability n ON n.id = c.vulnerability_id \
                         WHERE c.operation_id = $1) \
                     AND v.name NOT IN (SELECT d.name FROM update_operation_deleted_name d \
                         WHERE d.operation_id = $1) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(self.id)
                .bind(previous)
                .execute(&mut *self.tx)
                .await
                .context(what)?;
            }
        }
        // A concurrent writer of the same updater that began later keeps its place.
        sqlx::query(
            "INSERT INTO latest_update_operation (updater, kind, operation_id) \
             VALUES ($1, $2, $3) ON CONFLICT (updater, kind) DO UPDATE \
             SET operation_id = excluded.operation_id \
             WHERE latest_update_operation.operation_id < excluded.operation_id",
        )
        .bind(updater)
        .bind(kind)
        .bind(self.id)
        .execute(&mut *self.tx)
        .await
        .context(what)?;
        self.tx.commit().await.context(what)?;
        drop(self.gate);
        self.db.analyze_after(self.written).await;
        Ok(self.operation)
    }
}

/// For errors: what was being done, for which operation and updater.
fn describe(operation: &UpdateOperation, doing: &str) -> String {
    format!(
        "{doing} for update {} of updater {}",
        operation.reference, operation.updater
    )
}
