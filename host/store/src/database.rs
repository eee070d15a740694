//! The one skeleton under every store: a connection string opened as SQLite or
//! PostgreSQL, one service's migrations run on it, a store's queries built on its pool,
//! and named locks (advisory on PostgreSQL, in-process on SQLite). [`crate::IndexStore`],
//! [`crate::VulnStore`] and [`crate::NotificationStore`] each connect one; a
//! [`crate::PluginSet`] shares its service's.

use std::sync::Arc;

use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{Pool, Postgres, Sqlite};

use crate::connect::{self, Target};
use crate::error::{Context, StoreError};
use crate::lock::{self, LocalLocks, LockGuard};
use crate::{postgres, sqlite};

/// Which of the two backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Sqlite,
    Postgres,
}

/// What the stores' queries need to know of a backend beyond its sqlx driver.
pub(crate) trait Engine: sqlx::Database {
    const KIND: Kind;
    /// The statement that opens a write transaction: SQLite's must take the write lock
    /// up front, or two writers that both read first deadlock on upgrading.
    const BEGIN_WRITE: &'static str;
}

impl Engine for Sqlite {
    const KIND: Kind = Kind::Sqlite;
    const BEGIN_WRITE: &'static str = sqlite::BEGIN_WRITE;
}

impl Engine for Postgres {
    const KIND: Kind = Kind::Postgres;
    const BEGIN_WRITE: &'static str = postgres::BEGIN_WRITE;
}

/// One service's tables. Their versions never overlap (indexer from 1, matcher from
/// 1001, notifier from 2001), so all three can share one database and its migrations
/// table, as Clair deployments often do.
#[derive(Clone, Copy, Debug)]
pub(crate) enum MigrationSet {
    Indexer,
    Matcher,
    Notifier,
}

impl MigrationSet {
    fn name(self) -> &'static str {
        match self {
            MigrationSet::Indexer => "indexer",
            MigrationSet::Matcher => "matcher",
            MigrationSet::Notifier => "notifier",
        }
    }

    /// `sqlx::migrate!` embeds the files at compile time, so each path is spelled out.
    fn migrator(self, kind: Kind) -> Migrator {
        match (self, kind) {
            (MigrationSet::Indexer, Kind::Sqlite) => sqlx::migrate!("../../migrations/sqlite"),
            (MigrationSet::Indexer, Kind::Postgres) => {
                sqlx::migrate!("../../migrations/postgres")
            }
            (MigrationSet::Matcher, Kind::Sqlite) => {
                sqlx::migrate!("../../migrations/matcher/sqlite")
            }
            (MigrationSet::Matcher, Kind::Postgres) => {
                sqlx::migrate!("../../migrations/matcher/postgres")
            }
            (MigrationSet::Notifier, Kind::Sqlite) => {
                sqlx::migrate!("../../migrations/notifier/sqlite")
            }
            (MigrationSet::Notifier, Kind::Postgres) => {
                sqlx::migrate!("../../migrations/notifier/postgres")
            }
        }
    }
}

/// How one store queries its tables: the value its queries keep per backend.
pub(crate) trait Schema: Clone {
    type Queries<DB: Engine>: Clone + Send + Sync;

    /// The store's queries on `pool`.
    fn queries<DB: Engine>(&self, pool: Pool<DB>) -> Self::Queries<DB>;

    /// Session settings (`SET name = value`) every PostgreSQL connection gets.
    fn postgres_settings(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// One database with one store's queries on it. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Database<S: Schema> {
    pub(crate) backend: Backend<S>,
    /// Where, for error messages: never the password.
    target: Arc<str>,
}

#[derive(Clone)]
pub(crate) enum Backend<S: Schema> {
    Sqlite {
        pool: SqlitePool,
        queries: S::Queries<Sqlite>,
        locks: Arc<LocalLocks>,
    },
    /// A query pool, and a separate one whose connections hold advisory locks, so
    /// lock holders and waiters never starve the queries.
    Postgres {
        pool: PgPool,
        queries: S::Queries<Postgres>,
        locks: PgPool,
    },
}

/// Runs `$body` with `$queries` bound to the store's queries on whichever backend
/// `$db` (a [`Database`]) has.
macro_rules! with_queries {
    ($db:expr, $queries:ident => $body:expr) => {
        match &$db.backend {
            $crate::database::Backend::Sqlite {
                queries: $queries, ..
            } => $body,
            $crate::database::Backend::Postgres {
                queries: $queries, ..
            } => $body,
        }
    };
}
pub(crate) use with_queries;

/// The methods every store answers alike, passed to its `db` field (a [`Database`]).
macro_rules! database_methods {
    () => {
        /// `"sqlite"` or `"postgres"`.
        pub fn backend(&self) -> &'static str {
            self.db.kind()
        }

        /// Waits for the exclusive lock named `key` (a manifest, an updater, …): across
        /// processes on PostgreSQL, within this process on SQLite.
        pub async fn lock(&self, key: &str) -> Result<$crate::LockGuard, $crate::StoreError> {
            self.db.lock(key).await
        }

        /// Takes the lock named `key` if it is free.
        pub async fn try_lock(
            &self,
            key: &str,
        ) -> Result<Option<$crate::LockGuard>, $crate::StoreError> {
            self.db.try_lock(key).await
        }

        /// Connections of the query pool: (open, idle).
        pub fn pool_stats(&self) -> (u32, usize) {
            self.db.pool_stats()
        }

        /// Succeeds when the database answers a query.
        pub async fn ping(&self) -> Result<(), $crate::StoreError> {
            self.db.ping().await
        }

        /// Closes every connection, waiting for those in use to come back.
        pub async fn close(&self) {
            self.db.close().await
        }
    };
}
pub(crate) use database_methods;

impl<S: Schema> Database<S> {
    /// Opens `conn`: a `postgres://` or `postgresql://` URL or a libpq `key=value`
    /// string for PostgreSQL; a `sqlite://` URL or a file path for SQLite (created if
    /// missing, with its directory). `run_migrations` brings `tables` up to date.
    pub(crate) async fn connect(
        conn: &str,
        tables: MigrationSet,
        run_migrations: bool,
        schema: S,
    ) -> Result<Self, StoreError> {
        let target = connect::parse(conn)?;
        let describe = target.describe();
        let backend = match target {
            Target::Sqlite { options, in_memory } => {
                let pool = sqlite::pool(options, in_memory, &describe).await?;
                if run_migrations {
                    migrate(tables, &pool, &describe).await?;
                }
                Backend::Sqlite {
                    queries: schema.queries(pool.clone()),
                    pool,
                    locks: Arc::default(),
                }
            }
            Target::Postgres { options, pool } => {
                let settings = schema.postgres_settings();
                let options = match settings {
                    [] => options,
                    _ => options.options(settings.iter().copied()),
                };
                let (pool, locks) = postgres::pools(options, pool, &describe).await?;
                if run_migrations {
                    migrate(tables, &pool, &describe).await?;
                }
                Backend::Postgres {
                    queries: schema.queries(pool.clone()),
                    pool,
                    locks,
                }
            }
        };
        tracing::debug!(
            database = describe.as_str(),
            tables = tables.name(),
            "store connected"
        );
        Ok(Database {
            backend,
            target: describe.into(),
        })
    }

    /// Another store's queries on the same pools and locks (its tables come with this
    /// database's migrations).
    pub(crate) fn share<T: Schema>(&self, schema: T) -> Database<T> {
        let backend = match &self.backend {
            Backend::Sqlite { pool, locks, .. } => Backend::Sqlite {
                queries: schema.queries(pool.clone()),
                pool: pool.clone(),
                locks: locks.clone(),
            },
            Backend::Postgres { pool, locks, .. } => Backend::Postgres {
                queries: schema.queries(pool.clone()),
                pool: pool.clone(),
                locks: locks.clone(),
            },
        };
        Database {
            backend,
            target: self.target.clone(),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub(crate) fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    /// Waits for the exclusive lock named `key`: across processes on PostgreSQL,
    /// within this process on SQLite.
    pub(crate) async fn lock(&self, key: &str) -> Result<LockGuard, StoreError> {
        match &self.backend {
            Backend::Sqlite { locks, .. } => Ok(locks.lock(key).await),
            Backend::Postgres { locks, .. } => lock::postgres_lock(locks, key).await,
        }
    }

    /// Takes the lock named `key` if it is free.
    pub(crate) async fn try_lock(&self, key: &str) -> Result<Option<LockGuard>, StoreError> {
        match &self.backend {
            Backend::Sqlite { locks, .. } => Ok(locks.try_lock(key)),
            Backend::Postgres { locks, .. } => lock::postgres_try_lock(locks, key).await,
        }
    }

    /// Connections of the query pool: (open, idle).
    pub(crate) fn pool_stats(&self) -> (u32, usize) {
        match &self.backend {
            Backend::Sqlite { pool, .. } => (pool.size(), pool.num_idle()),
            Backend::Postgres { pool, .. } => (pool.size(), pool.num_idle()),
        }
    }

    /// Succeeds when the database answers a query.
    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        let answered = match &self.backend {
            Backend::Sqlite { pool, .. } => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Backend::Postgres { pool, .. } => sqlx::query("SELECT 1").execute(pool).await.map(drop),
        };
        answered.context(|| format!("pinging {}", self.target))
    }

    /// Closes every connection, waiting for those in use to come back.
    pub(crate) async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { pool, .. } => pool.close().await,
            Backend::Postgres { pool, locks, .. } => {
                locks.close().await;
                pool.close().await;
            }
        }
    }
}

/// Runs one service's migrations. Services sharing a database share its migrations
/// table, so each ignores versions it does not know.
async fn migrate<DB: Engine>(
    tables: MigrationSet,
    pool: &Pool<DB>,
    target: &str,
) -> Result<(), StoreError>
where
    DB::Connection: Migrate,
{
    let mut migrator = tables.migrator(DB::KIND);
    migrator
        .set_ignore_missing(true)
        .run(pool)
        .await
        .map_err(|source| StoreError::Migrate {
            target: format!("{target} ({} tables)", tables.name()),
            source,
        })
}
