//! The queries, written once for both backends: the SQL is common to SQLite and
//! PostgreSQL (`$n` binds, `ON CONFLICT`, `RETURNING`), only the driver differs, so
//! this is generic over sqlx's `Database` with the few capabilities it needs. This
//! file: scanners and per-layer results; `manifests.rs`: manifests and reports.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use scry_model::{IndexReport, LayerArtifacts, ScannerId, ScannerKind};
use sqlx::error::ErrorKind;
use sqlx::types::Json;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Row,
    Transaction, Type,
};

use crate::database::{Engine, Schema};
use crate::error::{Context, StoreError};
use crate::findings::ScannerFindings;

mod manifests;

/// Rows per multi-row INSERT: 30 binds a row stays far below both backends' limits.
const ROWS_PER_INSERT: usize = 500;

pub(crate) struct Sql<DB: Database> {
    pool: Pool<DB>,
    /// Scanner rows are never deleted, so their ids can be remembered.
    scanner_ids: Arc<Mutex<HashMap<ScannerId, i64>>>,
}

impl<DB: Database> Clone for Sql<DB> {
    fn clone(&self) -> Self {
        Sql {
            pool: self.pool.clone(),
            scanner_ids: self.scanner_ids.clone(),
        }
    }
}

/// The indexer's tables: [`crate::IndexStore`]'s schema.
#[derive(Clone, Copy)]
pub(crate) struct Indexer;

impl Schema for Indexer {
    type Queries<DB: Engine> = Sql<DB>;

    fn queries<DB: Engine>(&self, pool: Pool<DB>) -> Sql<DB> {
        Sql {
            pool,
            scanner_ids: Arc::default(),
        }
    }
}

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
    async fn begin(&self) -> Result<Transaction<'static, DB>, sqlx::Error> {
        self.pool.begin_with(DB::BEGIN_WRITE).await
    }

    /// Each scanner's row id, inserting unknown ones. Done outside any transaction so
    /// a remembered id never belongs to a rolled-back row.
    pub(crate) async fn scanner_ids(&self, scanners: &[ScannerId]) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::with_capacity(scanners.len());
        for scanner in scanners {
            let known = self
                .scanner_ids
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(scanner)
                .copied();
            let id = match known {
                Some(id) => id,
                None => {
                    let id = self.register_scanner(scanner).await?;
                    self.scanner_ids
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(scanner.clone(), id);
                    id
                }
            };
            ids.push(id);
        }
        Ok(ids)
    }

    async fn register_scanner(&self, scanner: &ScannerId) -> Result<i64, StoreError> {
        let what = || {
            format!(
                "registering scanner {} {} ({})",
                scanner.name,
                scanner.version,
                scanner.kind.as_str()
            )
        };
        sqlx::query(
            "INSERT INTO scanner (name, version, kind) VALUES ($1, $2, $3) \
             ON CONFLICT (name, version, kind) DO NOTHING",
        )
        .bind(scanner.name.as_str())
        .bind(scanner.version.as_str())
        .bind(scanner.kind.as_str())
        .execute(&self.pool)
        .await
        .context(what)?;
        sqlx::query_scalar("SELECT id FROM scanner WHERE name = $1 AND version = $2 AND kind = $3")
            .bind(scanner.name.as_str())
            .bind(scanner.version.as_str())
            .bind(scanner.kind.as_str())
            .fetch_one(&self.pool)
            .await
            .context(what)
    }

    pub(crate) async fn scanned(
        &self,
        layers: &[String],
        scanners: &[ScannerId],
    ) -> Result<HashSet<(String, ScannerId)>, StoreError> {
        let wanted: HashSet<&ScannerId> = scanners.iter().collect();
        let layers: BTreeSet<&str> = layers.iter().map(String::as_str).collect();
        let layers: Vec<&str> = layers.into_iter().collect();
        let mut found = HashSet::new();
        for chunk in layers.chunks(ROWS_PER_INSERT) {
            let mut query = QueryBuilder::<DB>::new(
                "SELECT l.digest, s.name, s.version, s.kind FROM layer_result r \
                 JOIN layer l ON l.id = r.layer_id JOIN scanner s ON s.id = r.scanner_id \
                 WHERE l.digest IN (",
            );
            let mut list = query.separated(", ");
            for layer in chunk {
                list.push_bind(*layer);
            }
            query.push(")");
            let rows = query
                .build()
                .fetch_all(&self.pool)
                .await
                .context(|| format!("looking up scanned layers {}", chunk.join(", ")))?;
            for row in rows {
                let what = || "reading scanned layers".to_string();
                let layer: String = row.try_get(0).context(what)?;
                let scanner = ScannerId {
                    name: row.try_get(1).context(what)?,
                    version: row.try_get(2).context(what)?,
                    kind: scanner_kind(&row.try_get::<String, _>(3).context(what)?)?,
                };
                if wanted.contains(&scanner) {
                    found.insert((layer, scanner));
                }
            }
        }
        Ok(found)
    }

    pub(crate) async fn put_layer_results(
        &self,
        layer: &str,
        results: &[(ScannerId, ScannerFindings)],
        whiteouts: &[String],
    ) -> Result<(), StoreError> {
        let what = || format!("storing scan results of layer {layer}");
        let scanners: Vec<ScannerId> = results.iter().map(|(id, _)| id.clone()).collect();
        let scanner_ids = self.scanner_ids(&scanners).await?;
        let mut tx = self.begin().await.context(what)?;
        let layer_id: i64 = sqlx::query_scalar(
            "INSERT INTO layer (digest, whiteouts) VALUES ($1, $2) \
             ON CONFLICT (digest) DO UPDATE SET whiteouts = excluded.whiteouts RETURNING id",
        )
        .bind(layer)
        .bind(Json(whiteouts))
        .fetch_one(&mut *tx)
        .await
        .context(what)?;
        for ((_, findings), scanner_id) in results.iter().zip(scanner_ids) {
            // A second writer of the same pair found the same things: first one wins.
            sqlx::query(
                "INSERT INTO layer_result (layer_id, scanner_id, findings) VALUES ($1, $2, $3) \
                 ON CONFLICT (layer_id, scanner_id) DO NOTHING",
            )
            .bind(layer_id)
            .bind(scanner_id)
            .bind(Json(findings))
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)
    }

    pub(crate) async fn layer_artifacts(
        &self,
        layer: &str,
        scanners: &[ScannerId],
    ) -> Result<LayerArtifacts, StoreError> {
        let what = || format!("reading scan results of layer {layer}");
        let whiteouts: Option<Json<Vec<String>>> =
            sqlx::query_scalar("SELECT whiteouts FROM layer WHERE digest = $1")
                .bind(layer)
                .fetch_optional(&self.pool)
                .await
                .context(what)?;
        let rows = sqlx::query(
            "SELECT s.name, s.version, s.kind, r.findings FROM layer_result r \
             JOIN layer l ON l.id = r.layer_id JOIN scanner s ON s.id = r.scanner_id \
             WHERE l.digest = $1",
        )
        .bind(layer)
        .fetch_all(&self.pool)
        .await
        .context(what)?;
        let mut stored = HashMap::new();
        for row in rows {
            let scanner = ScannerId {
                name: row.try_get(0).context(what)?,
                version: row.try_get(1).context(what)?,
                kind: scanner_kind(&row.try_get::<String, _>(2).context(what)?)?,
            };
            let Json(findings): Json<ScannerFindings> = row.try_get(3).context(what)?;
            stored.insert(scanner, findings);
        }
        // In the caller's scanner order: the order the indexer produced them in.
        let results = scanners
            .iter()
            .filter_map(|id| Some((id.clone(), stored.remove(id)?)))
            .collect();
        let whiteouts = whiteouts.map(|Json(paths)| paths).unwrap_or_default();
        Ok(ScannerFindings::join(layer, whiteouts, results))
    }
}

fn scanner_kind(kind: &str) -> Result<ScannerKind, StoreError> {
    [
        ScannerKind::Package,
        ScannerKind::Distribution,
        ScannerKind::Repository,
    ]
    .into_iter()
    .find(|known| known.as_str() == kind)
    .ok_or_else(|| StoreError::Corrupt {
        what: "reading stored scanners".into(),
        reason: format!("unknown scanner kind {kind:?}"),
    })
}

pub(super) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.kind() == ErrorKind::ForeignKeyViolation)
}
