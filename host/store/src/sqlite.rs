//! The SQLite backend: one file in WAL mode, shared by this process's pool.

use std::time::Duration;

use sqlx::Sqlite;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use crate::error::StoreError;
use crate::sql::Sql;

/// Readers run in parallel under WAL; writers queue on the file lock anyway.
const MAX_CONNECTIONS: u32 = 8;

pub(crate) async fn connect(
    options: SqliteConnectOptions,
    in_memory: bool,
    target: &str,
    run_migrations: bool,
) -> Result<Sql<Sqlite>, StoreError> {
    let pool = pool(options, in_memory, target).await?;
    if run_migrations {
        migrate(sqlx::migrate!("../../migrations/sqlite"), &pool, target).await?;
    }
    Ok(Sql::new(pool, BEGIN_WRITE))
}

/// Take the write lock when the transaction starts: a deferred one that reads first
/// fails at once with SQLITE_BUSY if another writer got in meanwhile.
pub(crate) const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

pub(crate) async fn pool(
    options: SqliteConnectOptions,
    in_memory: bool,
    target: &str,
) -> Result<SqlitePool, StoreError> {
    let pool = if in_memory {
        // Each connection to `:memory:` is its own database: keep exactly one, forever.
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .idle_timeout(Duration::from_secs(600))
    };
    pool.connect_with(options)
        .await
        .map_err(|source| StoreError::Connect {
            target: target.to_string(),
            source,
        })
}

/// Runs one component's migrations. The indexer's and the matcher's share a database
/// and its migrations table, so each ignores versions it does not know.
pub(crate) async fn migrate(
    mut migrator: Migrator,
    pool: &SqlitePool,
    target: &str,
) -> Result<(), StoreError> {
    migrator
        .set_ignore_missing(true)
        .run(pool)
        .await
        .map_err(|source| StoreError::Migrate {
            target: target.to_string(),
            source,
        })
}
