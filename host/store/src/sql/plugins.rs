//! Plugin overrides shared by every process on one database (fleet hot-swap).

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::Sql;
use crate::error::{Context, StoreError};

/// A plugin added or replaced (`hash` set) or removed (`hash` none) by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginOverride {
    pub name: String,
    pub hash: Option<String>,
    pub origin: String,
}

const BUMP: &str = "INSERT INTO plugin_set_version (id, version) VALUES (1, 1) \
                    ON CONFLICT (id) DO UPDATE SET version = plugin_set_version.version + 1";

impl<DB> Sql<DB>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> &'a [u8]: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    Option<String>: for<'r> Decode<'r, DB>,
    Vec<u8>: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
{
    pub(crate) async fn plugin_overrides(&self) -> Result<(i64, Vec<PluginOverride>), StoreError> {
        let what = || "reading the plugin overrides".to_string();
        let mut conn = self.pool.acquire().await.context(what)?;
        let version: Option<i64> =
            sqlx::query_scalar("SELECT version FROM plugin_set_version WHERE id = 1")
                .fetch_optional(&mut *conn)
                .await
                .context(what)?;
        let rows = sqlx::query("SELECT name, hash, origin FROM plugin_override ORDER BY name")
            .fetch_all(&mut *conn)
            .await
            .context(what)?;
        let overrides = rows
            .iter()
            .map(|row| {
                Ok(PluginOverride {
                    name: row.try_get(0)?,
                    hash: row.try_get(1)?,
                    origin: row.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .context(what)?;
        Ok((version.unwrap_or(0), overrides))
    }

    pub(crate) async fn plugin_blob(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT wasm FROM plugin_blob WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .context(|| format!("reading plugin {hash}"))
    }

    /// Stores the component (once per hash) and makes it the plugin named `name`, or
    /// with `wasm` none, removes that name; one transaction with the version bump.
    pub(crate) async fn put_plugin_override(
        &self,
        name: &str,
        blob: Option<(&str, &[u8])>,
        origin: &str,
    ) -> Result<(), StoreError> {
        let what = || format!("recording plugin {name}");
        let mut tx = self.pool.begin_with(self.begin).await.context(what)?;
        if let Some((hash, wasm)) = blob {
            sqlx::query("INSERT INTO plugin_blob (hash, wasm) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING")
                .bind(hash)
                .bind(wasm)
                .execute(&mut *tx)
                .await
                .context(what)?;
        }
        sqlx::query(
            "INSERT INTO plugin_override (name, hash, origin) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, origin = excluded.origin",
        )
        .bind(name)
        .bind(blob.map(|(hash, _)| hash))
        .bind(origin)
        .execute(&mut *tx)
        .await
        .context(what)?;
        sqlx::query(BUMP).execute(&mut *tx).await.context(what)?;
        tx.commit().await.context(what)
    }
}
