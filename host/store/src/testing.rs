//! Test support for this crate and the services built on it: a fresh, empty database
//! per test, either an SQLite file in a temporary directory or a PostgreSQL database
//! created on the server named by `SCRY_TEST_POSTGRES` (default: trust auth as
//! `postgres` on 127.0.0.1:5432) and dropped when the [`TestDb`] is.

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use scry_model::IndexReport;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;
use tokio::sync::OnceCell;

use crate::database::with_queries;
use crate::{IndexStore, StoreError, VulnStore};

/// Names the PostgreSQL server (any database on it) that test databases are made on.
pub const POSTGRES_ENV: &str = "SCRY_TEST_POSTGRES";
pub const POSTGRES_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PREFIX: &str = "scry_test_";

pub struct TestDb {
    conn: String,
    _dir: Option<TempDir>,
    /// Server URL and database name, to drop it.
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// An SQLite file in a fresh temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory for SQLite");
        let conn = dir.path().join("scry.db").display().to_string();
        TestDb {
            conn,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A new database `scry_test_<pid>_<n>`. Panics, saying how to fix it, if the
    /// server cannot be reached: PostgreSQL tests must fail, not pass vacuously.
    pub async fn postgres() -> TestDb {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        static SWEPT: OnceCell<()> = OnceCell::const_new();
        let server = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| POSTGRES_DEFAULT.into());
        let mut admin = admin_connection(&server).await;
        SWEPT.get_or_init(|| drop_orphans(&server)).await;
        let name = format!(
            "{PREFIX}{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|err| panic!("creating test database {name}: {err}"));
        let options = PgConnectOptions::from_str(&server).expect("server URL");
        let conn = format!(
            "postgres://{}@{}:{}/{name}",
            options.get_username(),
            options.get_host(),
            options.get_port()
        );
        TestDb {
            conn,
            _dir: None,
            postgres: Some((server, name)),
        }
    }

    /// The connection string of this database.
    pub fn conn(&self) -> &str {
        &self.conn
    }

    /// A store on this database, migrated.
    pub async fn store(&self) -> IndexStore {
        IndexStore::connect(&self.conn, true)
            .await
            .unwrap_or_else(|err| panic!("opening test store {}: {err}", self.conn))
    }

    /// A vulnerability store on this database, migrated.
    pub async fn vuln_store(&self) -> VulnStore {
        VulnStore::connect(&self.conn, true)
            .await
            .unwrap_or_else(|err| panic!("opening test vulnerability store {}: {err}", self.conn))
    }
}

impl TestDb {
    /// A notification store on this database, migrated.
    pub async fn notification_store(&self) -> crate::NotificationStore {
        crate::NotificationStore::connect(&self.conn, true)
            .await
            .unwrap_or_else(|err| panic!("opening test notification store {}: {err}", self.conn))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop may run inside a runtime or while panicking: use a thread of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let mut admin = admin_connection(&server).await;
                drop_database(&mut admin, &name).await
            })
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("dropping test database: {err}");
        }
    }
}

async fn admin_connection(server: &str) -> PgConnection {
    let options = PgConnectOptions::from_str(server)
        .unwrap_or_else(|err| panic!("{POSTGRES_ENV}={server:?} is not a PostgreSQL URL: {err}"));
    let connecting = PgConnection::connect_with(&options);
    match tokio::time::timeout(Duration::from_secs(10), connecting).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(err)) => panic!(
            "PostgreSQL is not reachable at {server} ({err}): start it with \
             scripts/deps/postgres.sh, or point {POSTGRES_ENV} at a server"
        ),
        Err(_) => panic!("PostgreSQL at {server} did not answer within 10 s"),
    }
}

async fn drop_database(admin: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(admin)
        .await
        .map(drop)
}

/// Drops test databases left by test processes that died before dropping them.
async fn drop_orphans(server: &str) {
    let mut admin = admin_connection(server).await;
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
            .bind(PREFIX)
            .fetch_all(&mut admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name[PREFIX.len()..].split('_').next().unwrap_or_default();
        let alive = std::path::Path::new("/proc").join(pid).exists();
        if !alive && !pid.is_empty() {
            drop_database(&mut admin, &name).await.ok();
        }
    }
}

/// Does all that [`IndexStore::put_index_report`] does, then drops the transaction instead
/// of committing it: what a writer that dies half-way leaves behind.
pub async fn abandon_index_report(
    store: &IndexStore,
    manifest: &str,
    layers: &[String],
    report: &IndexReport,
    index_state: &str,
) -> Result<(), StoreError> {
    with_queries!(store.db, sql => sql.put_index_report(manifest, layers, report, index_state, false).await)
}
