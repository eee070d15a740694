//! A database's plugin set, shared by every process on it (fleet hot-swap): content-
//! addressed components, the override per plugin name (added, replaced or removed),
//! and one version number bumped by every change so followers poll a single row.
//! The indexer's scanners and the matcher's matchers keep separate tables (the
//! matcher's are prefixed `matcher_`), so both can live in one database. On
//! PostgreSQL every change is also announced (NOTIFY `<prefix>plugin_set`), so
//! followers hear it at once instead of at their next poll.

use std::sync::Arc;

use sqlx::postgres::PgListener;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use tokio::sync::Notify;

use crate::database::{Backend, Database, Engine, Kind, Schema, with_queries};
use crate::error::{Context, StoreError};

/// A plugin added or replaced (`hash` set) or removed (`hash` none) by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginOverride {
    pub name: String,
    pub hash: Option<String>,
    pub origin: String,
}

/// The plugin-set tables of one database. Cheap to clone.
#[derive(Clone)]
pub struct PluginSet {
    db: Database<Plugins>,
}

/// A service's plugin-set tables, named with `prefix`; they come with the service's
/// migrations.
#[derive(Clone, Copy)]
struct Plugins {
    prefix: &'static str,
}

impl Schema for Plugins {
    type Queries<DB: Engine> = Tables<DB>;

    fn queries<DB: Engine>(&self, pool: Pool<DB>) -> Tables<DB> {
        Tables {
            pool,
            begin: DB::BEGIN_WRITE,
            prefix: self.prefix,
        }
    }
}

impl PluginSet {
    /// The plugin set in `db`'s database whose tables are named with `prefix`.
    pub(crate) fn sharing<S: Schema>(db: &Database<S>, prefix: &'static str) -> Self {
        PluginSet {
            db: db.share(Plugins { prefix }),
        }
    }

    /// The overrides every process on this database applies, with the version that
    /// changes whenever they do (0 before the first change).
    pub async fn overrides(&self) -> Result<(i64, Vec<PluginOverride>), StoreError> {
        with_queries!(self.db, tables => tables.overrides().await)
    }

    /// The component stored under `hash` (`sha256:<hex>`).
    pub async fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        with_queries!(self.db, tables => tables.blob(hash).await)
    }

    /// Makes `wasm` (content hash `hash`) the plugin named `name` on every process.
    pub async fn put(
        &self,
        name: &str,
        hash: &str,
        wasm: &[u8],
        origin: &str,
    ) -> Result<(), StoreError> {
        with_queries!(self.db, tables => tables.put_override(name, Some((hash, wasm)), origin).await)
    }

    /// Removes the plugin named `name` on every process.
    pub async fn remove(&self, name: &str, origin: &str) -> Result<(), StoreError> {
        with_queries!(self.db, tables => tables.put_override(name, None, origin).await)
    }

    /// Wakes `wake` whenever a process records a change, until the connection fails
    /// for good (PostgreSQL's LISTEN; a lost connection is re-opened, and changes made
    /// meanwhile are only seen at the next poll). On SQLite it returns at once: the
    /// file has one process, and polling is all there is.
    pub async fn listen(&self, wake: Arc<Notify>) -> Result<(), StoreError> {
        let Backend::Postgres {
            pool,
            queries: tables,
            ..
        } = &self.db.backend
        else {
            return Ok(());
        };
        let channel = tables.channel();
        let what = || format!("listening on {channel}");
        let mut listener = PgListener::connect_with(pool).await.context(what)?;
        listener.listen(&channel).await.context(what)?;
        loop {
            listener.recv().await.context(what)?;
            wake.notify_one();
        }
    }
}

struct Tables<DB: sqlx::Database> {
    pool: Pool<DB>,
    /// The statement that opens a write transaction (SQLite's takes the lock up front).
    begin: &'static str,
    /// Table-name prefix: `""` for the indexer's scanners, `matcher_` for matchers.
    prefix: &'static str,
}

impl<DB: sqlx::Database> Clone for Tables<DB> {
    fn clone(&self) -> Self {
        Tables {
            pool: self.pool.clone(),
            begin: self.begin,
            prefix: self.prefix,
        }
    }
}

impl<DB> Tables<DB>
where
    DB: Engine,
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
    /// The NOTIFY channel of this set.
    fn channel(&self) -> String {
        format!("{}plugin_set", self.prefix)
    }

    async fn overrides(&self) -> Result<(i64, Vec<PluginOverride>), StoreError> {
        let p = self.prefix;
        let what = || "reading the plugin overrides".to_string();
        let mut conn = self.pool.acquire().await.context(what)?;
        let version: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT version FROM {p}plugin_set_version WHERE id = 1"
        )))
        .fetch_optional(&mut *conn)
        .await
        .context(what)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name, hash, origin FROM {p}plugin_override ORDER BY name"
        )))
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

    async fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let p = self.prefix;
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT wasm FROM {p}plugin_blob WHERE hash = $1"
        )))
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading plugin {hash}"))
    }

    /// Stores the component (once per hash) and makes it the plugin named `name`, or
    /// with `blob` none, removes that name; one transaction with the version bump.
    async fn put_override(
        &self,
        name: &str,
        blob: Option<(&str, &[u8])>,
        origin: &str,
    ) -> Result<(), StoreError> {
        let p = self.prefix;
        let what = || format!("recording plugin {name}");
        let mut tx = self.pool.begin_with(self.begin).await.context(what)?;
        if let Some((hash, wasm)) = blob {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {p}plugin_blob (hash, wasm) VALUES ($1, $2) \
                 ON CONFLICT (hash) DO NOTHING"
            )))
            .bind(hash)
            .bind(wasm)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {p}plugin_override (name, hash, origin) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, origin = excluded.origin"
        )))
        .bind(name)
        .bind(blob.map(|(hash, _)| hash))
        .bind(origin)
        .execute(&mut *tx)
        .await
        .context(what)?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {p}plugin_set_version (id, version) VALUES (1, 1) \
             ON CONFLICT (id) DO UPDATE SET version = {p}plugin_set_version.version + 1"
        )))
        .execute(&mut *tx)
        .await
        .context(what)?;
        if DB::KIND == Kind::Postgres {
            // Delivered when the transaction commits.
            sqlx::query(sqlx::AssertSqlSafe(format!("NOTIFY {}", self.channel())))
                .execute(&mut *tx)
                .await
                .context(what)?;
        }
        tx.commit().await.context(what)
    }
}
