//! The SQLite backend: one file in WAL mode, shared by this process's pool.

use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

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
    let pool = pool
        .connect_with(options)
        .await
        .map_err(|source| StoreError::Connect {
            target: target.to_string(),
            source,
        })?;
    if run_migrations {
        sqlx::migrate!("../../migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                target: target.to_string(),
                source,
            })?;
    }
    // Take the write lock when the transaction starts: a deferred one that reads
    // first fails at once with SQLITE_BUSY if another writer got in meanwhile.
    Ok(Sql::new(pool, "BEGIN IMMEDIATE"))
}
