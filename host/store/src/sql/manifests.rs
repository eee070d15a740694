//! Manifests: their ordered layers, reports and reverse-index rows, each write one
//! transaction. Same bounds as the impl block in `mod.rs`.

use std::collections::{BTreeSet, HashMap};

use scry_model::IndexReport;
use sqlx::types::Json;
use sqlx::{
    Acquire, ColumnIndex, Decode, Encode, Executor, IntoArguments, QueryBuilder, Row, Type,
};

use super::{ROWS_PER_INSERT, Sql, is_foreign_key_violation};
use crate::database::Engine;
use crate::error::{Context, StoreError};
use crate::findings::ScannerFindings;
use crate::rows::{COLUMNS, IndexRow, index_rows};

impl<DB> Sql<DB>
where
    DB: Engine,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB> + ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'a> Encode<'a, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> Json<&'a IndexReport>: Encode<'a, DB> + Type<DB>,
    for<'a> Json<&'a ScannerFindings>: Encode<'a, DB> + Type<DB>,
    for<'a> Json<&'a [String]>: Encode<'a, DB> + Type<DB>,
    Json<IndexReport>: for<'r> Decode<'r, DB> + Type<DB>,
    Json<ScannerFindings>: for<'r> Decode<'r, DB> + Type<DB>,
    Json<Vec<String>>: for<'r> Decode<'r, DB> + Type<DB>,
{
    pub(crate) async fn index_report(
        &self,
        manifest: &str,
    ) -> Result<Option<(IndexReport, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT r.index_state, r.report FROM index_report r \
             JOIN manifest m ON m.id = r.manifest_id WHERE m.digest = $1",
        )
        .bind(manifest)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading index report of manifest {manifest}"))?;
        let Some(row) = row else { return Ok(None) };
        let what = || format!("decoding index report of manifest {manifest}");
        let state: String = row.try_get(0).context(what)?;
        let Json(report): Json<IndexReport> = row.try_get(1).context(what)?;
        Ok(Some((report, state)))
    }

    pub(crate) async fn manifest_layers(
        &self,
        manifest: &str,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let what = || format!("reading layers of manifest {manifest}");
        let rows: Vec<Option<String>> = sqlx::query_scalar(
            "SELECT l.digest FROM manifest m \
             LEFT JOIN manifest_layer ml ON ml.manifest_id = m.id \
             LEFT JOIN layer l ON l.id = ml.layer_id \
             WHERE m.digest = $1 ORDER BY ml.position",
        )
        .bind(manifest)
        .fetch_all(&self.pool)
        .await
        .context(what)?;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(rows.into_iter().flatten().collect()))
    }

    /// Writes everything about a manifest's report in one transaction, replacing what
    /// was there; `commit = false` stops just short of committing (for crash tests).
    pub(crate) async fn put_index_report(
        &self,
        manifest: &str,
        layers: &[String],
        report: &IndexReport,
        index_state: &str,
        commit: bool,
    ) -> Result<(), StoreError> {
        let what = || format!("storing index report of manifest {manifest}");
        let mut tx = self.begin().await.context(what)?;
        let manifest_id: i64 = sqlx::query_scalar(
            "INSERT INTO manifest (digest) VALUES ($1) \
             ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest RETURNING id",
        )
        .bind(manifest)
        .fetch_one(&mut *tx)
        .await
        .context(what)?;

        // Layers in sorted order, so concurrent writers lock shared rows alike.
        let mut layer_ids = HashMap::new();
        for layer in layers.iter().collect::<BTreeSet<_>>() {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO layer (digest) VALUES ($1) \
                 ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest RETURNING id",
            )
            .bind(layer.as_str())
            .fetch_one(&mut *tx)
            .await
            .context(|| format!("storing layer {layer} of manifest {manifest}"))?;
            layer_ids.insert(layer.as_str(), id);
        }
        sqlx::query("DELETE FROM manifest_layer WHERE manifest_id = $1")
            .bind(manifest_id)
            .execute(&mut *tx)
            .await
            .context(what)?;
        let positions: Vec<(i64, i64)> = (0_i64..)
            .zip(layers)
            .map(|(position, layer)| (position, layer_ids[layer.as_str()]))
            .collect();
        for chunk in positions.chunks(ROWS_PER_INSERT) {
            QueryBuilder::<DB>::new(
                "INSERT INTO manifest_layer (manifest_id, position, layer_id) ",
            )
            .push_values(chunk, |mut row, (position, layer_id)| {
                row.push_bind(manifest_id)
                    .push_bind(*position)
                    .push_bind(*layer_id);
            })
            .build()
            .execute(&mut *tx)
            .await
            .context(what)?;
        }

        sqlx::query(
            "INSERT INTO index_report (manifest_id, index_state, report) VALUES ($1, $2, $3) \
             ON CONFLICT (manifest_id) DO UPDATE \
             SET index_state = excluded.index_state, report = excluded.report",
        )
        .bind(manifest_id)
        .bind(index_state)
        .bind(Json(report))
        .execute(&mut *tx)
        .await
        .context(what)?;

        sqlx::query("DELETE FROM manifest_index WHERE manifest_id = $1")
            .bind(manifest_id)
            .execute(&mut *tx)
            .await
            .context(what)?;
        let rows = index_rows(manifest, report);
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut insert = QueryBuilder::<DB>::new(format!(
                "INSERT INTO manifest_index (manifest_id, {}) ",
                COLUMNS.join(", ")
            ));
            insert.push_values(chunk, |mut row, index_row| {
                row.push_bind(manifest_id);
                for value in index_row.values() {
                    row.push_bind(value);
                }
            });
            insert
                .build()
                .execute(&mut *tx)
                .await
                .context(|| format!("indexing packages of manifest {manifest}"))?;
        }
        if commit {
            tx.commit().await.context(what)?;
        }
        Ok(())
    }

    /// Deletes one manifest and then those of its layers no other manifest lists, with
    /// their scan results. False if the manifest was not there.
    pub(crate) async fn delete_manifest(&self, manifest: &str) -> Result<bool, StoreError> {
        let what = || format!("deleting manifest {manifest}");
        let mut tx = self.begin().await.context(what)?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM manifest WHERE digest = $1")
            .bind(manifest)
            .fetch_optional(&mut *tx)
            .await
            .context(what)?;
        let Some(id) = id else { return Ok(false) };
        let layers: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT layer_id FROM manifest_layer WHERE manifest_id = $1 ORDER BY layer_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .context(what)?;
        // Cascades to the layer list, the report and the index rows.
        sqlx::query("DELETE FROM manifest WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .context(what)?;
        for layer in layers {
            // In a savepoint: a manifest committed meanwhile may have started listing
            // the layer, and then the layer simply stays.
            let mut savepoint = Acquire::begin(&mut tx).await.context(what)?;
            let deleted = sqlx::query(
                "DELETE FROM layer WHERE id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM manifest_layer WHERE layer_id = $1)",
            )
            .bind(layer)
            .execute(&mut *savepoint)
            .await;
            match deleted {
                Ok(_) => savepoint.commit().await.context(what)?,
                Err(err) if is_foreign_key_violation(&err) => {
                    savepoint.rollback().await.context(what)?
                }
                Err(err) => return Err(err).context(what),
            }
        }
        tx.commit().await.context(what)?;
        Ok(true)
    }

    pub(crate) async fn affected_manifests(
        &self,
        package_name: &str,
    ) -> Result<Vec<IndexRow>, StoreError> {
        let what = || format!("looking up manifests containing package {package_name:?}");
        let sql = format!(
            "SELECT m.digest, {} FROM manifest_index i JOIN manifest m ON m.id = i.manifest_id \
             WHERE i.package_name = $1 OR i.source_name = $1 ORDER BY m.digest",
            COLUMNS.map(|column| format!("i.{column}")).join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(package_name)
            .fetch_all(&self.pool)
            .await
            .context(what)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let manifest: String = row.try_get(0).context(what)?;
            let mut values: [String; COLUMNS.len()] = Default::default();
            for (index, value) in values.iter_mut().enumerate() {
                *value = row.try_get(index + 1).context(what)?;
            }
            out.push(IndexRow::from_values(manifest, values));
        }
        out.sort();
        Ok(out)
    }
}
