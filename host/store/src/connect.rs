//! Picks the backend from a connection string: `postgres://` / `postgresql://` URLs and
//! libpq `key=value` strings (what Clair configs carry) mean PostgreSQL; `sqlite:` URLs
//! and plain paths mean an SQLite file.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use crate::error::StoreError;

/// How long an SQLite writer waits for another before giving up.
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) enum Target {
    Postgres {
        options: PgConnectOptions,
        pool: PoolSize,
    },
    Sqlite {
        options: SqliteConnectOptions,
        in_memory: bool,
    },
}

/// pgx's `pool_*` keys, which Clair connection strings may carry.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct PoolSize {
    pub max: Option<u32>,
    pub min: Option<u32>,
}

impl Target {
    /// For error messages: where, never the password.
    pub(crate) fn describe(&self) -> String {
        match self {
            Target::Postgres { options, .. } => format!(
                "PostgreSQL {}@{}:{}/{}",
                options.get_username(),
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or(options.get_username())
            ),
            Target::Sqlite { options, .. } => {
                format!("SQLite {}", options.get_filename().display())
            }
        }
    }
}

pub(crate) fn parse(conn: &str) -> Result<Target, StoreError> {
    let conn = conn.trim();
    if conn.is_empty() {
        return Err(StoreError::ConnString("empty connection string".into()));
    }
    if conn.starts_with("postgres://") || conn.starts_with("postgresql://") {
        return postgres_url(conn);
    }
    if let Some(path) = conn.strip_prefix("sqlite:") {
        return sqlite(path.strip_prefix("//").unwrap_or(path));
    }
    if looks_like_libpq(conn) {
        return postgres_keywords(conn);
    }
    sqlite(conn)
}

fn sqlite(path: &str) -> Result<Target, StoreError> {
    let path = path.split('?').next().unwrap_or_default();
    let in_memory = path.is_empty() || path == ":memory:";
    let mut options = SqliteConnectOptions::new()
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);
    if in_memory {
        options = options.in_memory(true);
    } else {
        // WAL: readers never block the writer; NORMAL sync is durable across crashes
        // of the process (only an OS crash may lose the last commits).
        options = options
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|err| {
                StoreError::ConnString(format!("creating {}: {err}", dir.display()))
            })?;
        }
    }
    Ok(Target::Sqlite { options, in_memory })
}

fn postgres_url(url: &str) -> Result<Target, StoreError> {
    // sqlx ignores unknown URL parameters; take pgx's pool keys out first.
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pool = PoolSize::default();
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !pool_key(&mut pool, key, value)? {
            kept.push(pair);
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let options = PgConnectOptions::from_str(&url)
        .map_err(|err| StoreError::ConnString(format!("PostgreSQL URL: {err}")))?;
    Ok(Target::Postgres { options, pool })
}

/// Handles a `pool_*` key; false if `key` is not one.
fn pool_key(pool: &mut PoolSize, key: &str, value: &str) -> Result<bool, StoreError> {
    let number = || {
        value
            .parse::<u32>()
            .map_err(|_| StoreError::ConnString(format!("{key}={value:?} is not a count")))
    };
    match key {
        "pool_max_conns" => pool.max = Some(number()?),
        "pool_min_conns" => pool.min = Some(number()?),
        // Lifetimes and health checks: sqlx's pool defaults serve the same purpose.
        _ if key.starts_with("pool_") => {
            tracing::debug!(key, "ignoring connection pool setting");
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `host=… dbname=…`: parses as libpq pairs and starts with a keyword libpq knows.
fn looks_like_libpq(conn: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "sslmode",
        "application_name",
        "connect_timeout",
        "options",
    ];
    libpq_pairs(conn)
        .ok()
        .and_then(|pairs| pairs.into_iter().next())
        .is_some_and(|(key, _)| KEYWORDS.contains(&key.as_str()))
}

fn postgres_keywords(conn: &str) -> Result<Target, StoreError> {
    let mut options = PgConnectOptions::new();
    let mut pool = PoolSize::default();
    let mut runtime = Vec::new();
    for (key, value) in libpq_pairs(conn)? {
        if pool_key(&mut pool, &key, &value)? {
            continue;
        }
        options = match key.as_str() {
            "host" | "hostaddr" if value.contains(',') => {
                return Err(StoreError::ConnString(format!(
                    "{key}={value:?}: several hosts are not supported"
                )));
            }
            "host" if value.starts_with('/') => options.socket(&value),
            "host" | "hostaddr" => options.host(&value),
            "port" => options.port(value.parse().map_err(|_| {
                StoreError::ConnString(format!("port={value:?} is not a port number"))
            })?),
            "user" => options.username(&value),
            "password" => options.password(&value),
            "dbname" => options.database(&value),
            "sslmode" => options.ssl_mode(
                PgSslMode::from_str(&value)
                    .map_err(|err| StoreError::ConnString(format!("sslmode: {err}")))?,
            ),
            "sslrootcert" => options.ssl_root_cert(&value),
            "sslcert" => options.ssl_client_cert(&value),
            "sslkey" => options.ssl_client_key(&value),
            "application_name" => options.application_name(&value),
            "options" => options.options(server_options(&value)?),
            "connect_timeout" | "target_session_attrs" | "statement_cache_capacity" => {
                tracing::debug!(key, "ignoring connection setting");
                options
            }
            // As pgx does: any other key is a server setting for the session.
            _ => {
                runtime.push((key, value));
                options
            }
        };
    }
    if !runtime.is_empty() {
        options = options.options(runtime);
    }
    Ok(Target::Postgres { options, pool })
}

/// Splits `key=value key2='quoted \' value'` as libpq does.
pub(crate) fn libpq_pairs(conn: &str) -> Result<Vec<(String, String)>, StoreError> {
    let bad = |why: &str| StoreError::ConnString(format!("{why} in {:?}", redact(conn)));
    let mut pairs = Vec::new();
    let mut chars = conn.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(bad(&format!("missing \"=\" after {key:?}")));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => return Err(bad("unterminated quoted value")),
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// `-c name=value` / `--name=value` words of libpq's `options` keyword.
fn server_options(value: &str) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    let mut words = value.split_whitespace();
    while let Some(word) = words.next() {
        let setting = match word {
            "-c" => words.next().unwrap_or_default(),
            _ => word
                .strip_prefix("--")
                .or_else(|| word.strip_prefix("-c"))
                .unwrap_or_default(),
        };
        let (name, val) = setting.split_once('=').ok_or_else(|| {
            StoreError::ConnString(format!("options={value:?}: expected -c name=value"))
        })?;
        out.push((name.replace('-', "_"), val.to_string()));
    }
    Ok(out)
}

/// The connection string with any password value blanked, for error messages.
fn redact(conn: &str) -> String {
    match conn.find("password") {
        Some(at) => format!("{}password=…", &conn[..at]),
        None => conn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn postgres(conn: &str) -> (PgConnectOptions, PoolSize) {
        match parse(conn).unwrap() {
            Target::Postgres { options, pool } => (options, pool),
            Target::Sqlite { .. } => panic!("{conn} parsed as SQLite"),
        }
    }

    fn sqlite_path(conn: &str) -> String {
        match parse(conn).unwrap() {
            Target::Sqlite { options, .. } => options.get_filename().display().to_string(),
            Target::Postgres { .. } => panic!("{conn} parsed as PostgreSQL"),
        }
    }

    #[test]
    fn libpq_keywords() {
        let (options, pool) = postgres(
            "host=db.example port=5433 user=clair dbname=indexer sslmode=disable \
             pool_max_conns=7 password='se cr\\'et'",
        );
        assert_eq!(options.get_host(), "db.example");
        assert_eq!(options.get_port(), 5433);
        assert_eq!(options.get_username(), "clair");
        assert_eq!(options.get_database(), Some("indexer"));
        assert_eq!(
            pool,
            PoolSize {
                max: Some(7),
                min: None
            }
        );
    }

    #[test]
    fn quoting_and_spaces() {
        let pairs = libpq_pairs("a = 1  b='x y' c=\\ d").unwrap();
        let expect = [("a", "1"), ("b", "x y"), ("c", " d")];
        let expect: Vec<(String, String)> = expect
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expect);
        assert!(libpq_pairs("host").is_err());
        assert!(libpq_pairs("password='open").is_err());
        let err = libpq_pairs("host=x password='open")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("open"), "{err}");
    }

    #[test]
    fn urls() {
        let (options, pool) =
            postgres("postgresql://u@127.0.0.1:5432/db?sslmode=disable&pool_max_conns=3");
        assert_eq!(options.get_database(), Some("db"));
        assert_eq!(pool.max, Some(3));
        postgres("postgres://localhost/x");
    }

    #[test]
    fn sqlite_forms() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/scry.db");
        let file = file.to_str().unwrap();
        assert_eq!(sqlite_path(file), file);
        assert!(dir.path().join("sub").is_dir(), "parent made");
        assert_eq!(sqlite_path(&format!("sqlite://{file}")), file);
        assert_eq!(sqlite_path(&format!("sqlite:{file}?mode=rwc")), file);
        assert!(matches!(
            parse("sqlite::memory:").unwrap(),
            Target::Sqlite {
                in_memory: true,
                ..
            }
        ));
        assert!(parse("  ").is_err());
    }

    #[test]
    fn server_settings() {
        assert_eq!(
            server_options("-c search_path=x --statement-timeout=5s").unwrap(),
            vec![
                ("search_path".into(), "x".into()),
                ("statement_timeout".into(), "5s".into())
            ]
        );
    }
}
