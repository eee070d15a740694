//! The PostgreSQL backend: a pool for queries and a separate one whose connections
//! hold advisory locks, so lock holders and waiters never starve the queries.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::connect::PoolSize;
use crate::error::StoreError;

const MAX_CONNECTIONS: u32 = 10;
/// Locks held or awaited at once; more callers queue for a connection.
const LOCK_CONNECTIONS: u32 = 32;
/// A lock waiter queues behind whole index runs, which take minutes.
const LOCK_CONNECTION_WAIT: Duration = Duration::from_secs(15 * 60);

pub(crate) const BEGIN_WRITE: &str = "BEGIN";

/// The query pool and the lazily filled pool of lock connections.
pub(crate) async fn pools(
    options: PgConnectOptions,
    size: PoolSize,
    target: &str,
) -> Result<(PgPool, PgPool), StoreError> {
    let failed = |source| StoreError::Connect {
        target: target.to_string(),
        source,
    };
    // One plain connection first: the pool would retry a refused connection for its
    // whole acquire timeout and then report only that it timed out.
    PgConnection::connect_with(&options)
        .await
        .map_err(failed)?
        .close()
        .await
        .ok();
    let pool = PgPoolOptions::new()
        .max_connections(size.max.unwrap_or(MAX_CONNECTIONS).max(1))
        .min_connections(size.min.unwrap_or(0))
        .connect_with(options.clone())
        .await
        .map_err(failed)?;
    let locks = PgPoolOptions::new()
        .max_connections(LOCK_CONNECTIONS)
        .acquire_timeout(LOCK_CONNECTION_WAIT)
        .connect_lazy_with(options);
    Ok((pool, locks))
}
