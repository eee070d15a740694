//! The `connstring` keys: where a service keeps its data.
//!
//! * empty (the default): a SQLite file in `scry.data_dir` (`indexer.db`, `matcher.db`,
//!   `notifier.db`). Clair would instead read libpq's `PG*` environment variables.
//! * `postgres://…` or `postgresql://…`: PostgreSQL, URL form.
//! * `host=db user=clair dbname=clair …`: PostgreSQL, libpq keyword/value form.
//! * `sqlite:PATH` or `sqlite://PATH` (Scry only): a SQLite file at PATH.

use std::fmt;
use std::path::PathBuf;

/// A service's database.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite database file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(PgConnString),
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Database::Postgres(pg) => f.debug_tuple("Postgres").field(pg).finish(),
        }
    }
}

/// A PostgreSQL connection string in either of libpq's forms.
#[derive(Clone, PartialEq, Eq)]
pub enum PgConnString {
    /// `postgres://user:pass@host:port/db?params`, kept as written.
    Url(String),
    /// `key=value` pairs in order, quotes and escapes removed.
    Keywords(Vec<(String, String)>),
}

impl fmt::Debug for PgConnString {
    /// Never prints a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgConnString::Url(text) => {
                let mut redacted = url::Url::parse(text).map_err(|_| fmt::Error)?;
                if redacted.password().is_some() {
                    let _ = redacted.set_password(Some("REDACTED"));
                }
                f.debug_tuple("Url").field(&redacted.as_str()).finish()
            }
            PgConnString::Keywords(pairs) => {
                let shown: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), if k == "password" { "REDACTED" } else { v }))
                    .collect();
                f.debug_tuple("Keywords").field(&shown).finish()
            }
        }
    }
}

/// Parses a non-empty `connstring`. Returns `Ok(None)` for an empty one.
pub fn parse_connstring(text: &str) -> Result<Option<Database>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if let Some(rest) = trimmed.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err("sqlite: needs a file path, e.g. sqlite:/var/lib/scry/indexer.db".into());
        }
        return Ok(Some(Database::Sqlite(PathBuf::from(path))));
    }
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        url::Url::parse(trimmed).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
        return Ok(Some(Database::Postgres(PgConnString::Url(
            trimmed.to_owned(),
        ))));
    }
    if trimmed.contains("://") {
        return Err(
            "unsupported URL scheme (expected postgres://, postgresql:// or sqlite:)".into(),
        );
    }
    let pairs = parse_keywords(trimmed)?;
    Ok(Some(Database::Postgres(PgConnString::Keywords(pairs))))
}

/// libpq's keyword/value syntax: `key = value` pairs separated by whitespace; a value
/// is either bare (backslash escapes) or single-quoted (`\'` and `\\` escapes).
fn parse_keywords(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
            key.push(c);
        }
        if key.is_empty() {
            return Err(format!(
                "not a PostgreSQL URL or key=value string (unexpected {:?})",
                chars.peek().copied().unwrap_or(' ')
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!(
                "missing \"=\" after {key:?} (expected key=value pairs)"
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\'') => break,
                    Some('\\') => value.push(chars.next().ok_or("unterminated quoted value")?),
                    Some(c) => value.push(c),
                    None => return Err(format!("unterminated quoted value for {key:?}")),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.push(chars.next().ok_or("trailing backslash")?);
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

impl PgConnString {
    /// The connection string as a `postgresql://` URL, the form Rust drivers (sqlx)
    /// accept. Keyword strings are converted: `user`, `password`, `host`, `port` and
    /// `dbname` go into the URL's parts, every other keyword into its query. A `host`
    /// that is a socket directory (starts with `/`) goes into the query as libpq allows.
    pub fn to_url(&self) -> Result<String, String> {
        let pairs = match self {
            PgConnString::Url(text) => return Ok(text.clone()),
            PgConnString::Keywords(pairs) => pairs,
        };
        let mut url = url::Url::parse("postgresql://").map_err(|e| e.to_string())?;
        let mut query = Vec::new();
        for (key, value) in pairs {
            match key.as_str() {
                "user" => url
                    .set_username(value)
                    .map_err(|()| "user cannot be set in a URL".to_owned())?,
                "password" => url
                    .set_password(Some(value))
                    .map_err(|()| "password cannot be set in a URL".to_owned())?,
                "host" if !value.starts_with('/') && !value.contains(',') => url
                    .set_host(Some(value))
                    .map_err(|e| format!("host {value:?}: {e}"))?,
                "port" if !value.contains(',') => {
                    let port = value
                        .parse()
                        .map_err(|_| format!("port {value:?} is not a number"))?;
                    url.set_port(Some(port))
                        .map_err(|()| "port needs a host".to_owned())?;
                }
                "dbname" => url.set_path(&format!("/{}", encode_path(value))),
                _ => query.push((key, value)),
            }
        }
        if !query.is_empty() {
            let mut serializer = url.query_pairs_mut();
            for (key, value) in query {
                serializer.append_pair(key, value);
            }
        }
        Ok(url.to_string())
    }
}

fn encode_path(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keywords(text: &str) -> Vec<(String, String)> {
        match parse_connstring(text) {
            Ok(Some(Database::Postgres(PgConnString::Keywords(pairs)))) => pairs,
            other => panic!("{text:?}: {other:?}"),
        }
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.into(), v.into())
    }

    #[test]
    fn empty_means_default() {
        assert_eq!(parse_connstring(""), Ok(None));
        assert_eq!(parse_connstring("   "), Ok(None));
    }

    #[test]
    fn keyword_value_strings() {
        assert_eq!(
            keywords("host=db user=clair dbname=clair"),
            [
                pair("host", "db"),
                pair("user", "clair"),
                pair("dbname", "clair")
            ]
        );
        assert_eq!(
            keywords(" host = db\tport= 5432 "),
            [pair("host", "db"), pair("port", "5432")]
        );
        assert_eq!(
            keywords(r"password='a b\'c' application_name=x\ y"),
            [pair("password", "a b'c"), pair("application_name", "x y")]
        );
        assert!(parse_connstring("host=db user").is_err());
        assert!(parse_connstring("just-a-word").is_err());
        assert!(parse_connstring("password='open").is_err());
        assert!(parse_connstring("mysql://db/clair").is_err());
    }

    #[test]
    fn urls_and_sqlite() {
        let url = "postgresql://clair:secret@db:5432/clair?sslmode=disable";
        assert_eq!(
            parse_connstring(url),
            Ok(Some(Database::Postgres(PgConnString::Url(url.into()))))
        );
        assert!(parse_connstring("postgres://").is_ok());
        assert!(parse_connstring("postgres://[bad").is_err());
        assert_eq!(
            parse_connstring("sqlite:///var/lib/scry/x.db"),
            Ok(Some(Database::Sqlite("/var/lib/scry/x.db".into())))
        );
        assert_eq!(
            parse_connstring("sqlite:rel.db"),
            Ok(Some(Database::Sqlite("rel.db".into())))
        );
        assert!(parse_connstring("sqlite:").is_err());
    }

    #[test]
    fn keywords_convert_to_a_url() {
        let pg = PgConnString::Keywords(keywords(
            "host=db port=5433 user=clair password='p@ss word' dbname=clair sslmode=disable",
        ));
        assert_eq!(
            pg.to_url().unwrap(),
            "postgresql://clair:p%40ss%20word@db:5433/clair?sslmode=disable"
        );
        let socket = PgConnString::Keywords(keywords("host=/var/run/postgresql dbname=clair"));
        assert_eq!(
            socket.to_url().unwrap(),
            "postgresql:///clair?host=%2Fvar%2Frun%2Fpostgresql"
        );
    }

    #[test]
    fn debug_hides_passwords() {
        let pg = PgConnString::Keywords(keywords("user=clair password=hunter2"));
        assert!(!format!("{pg:?}").contains("hunter2"));
        let url = PgConnString::Url("postgres://clair:hunter2@db/clair".into());
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
