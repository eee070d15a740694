//! The SQLite backend: one file in WAL mode, shared by this process's pool.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use crate::error::StoreError;

/// Readers run in parallel under WAL; writers queue on the file lock anyway.
const MAX_CONNECTIONS: u32 = 8;

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
