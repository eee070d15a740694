/// What went wrong, and on which database, manifest, layer, updater or update operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("connection string: {0}")]
    ConnString(String),
    #[error("connecting to {target}: {source}")]
    Connect { target: String, source: sqlx::Error },
    #[error("migrating {target}: {source}")]
    Migrate {
        target: String,
        source: sqlx::migrate::MigrateError,
    },
    /// `what` names the operation and its subject, e.g. "storing index report of
    /// manifest sha256:…".
    #[error("{what}: {source}")]
    Query { what: String, source: sqlx::Error },
    #[error("{what}: {reason}")]
    Corrupt { what: String, reason: String },
    /// `what` names the missing thing, e.g. "update operation 6f1c…".
    #[error("{what} not found")]
    NotFound { what: String },
}

/// Attaches what was being done to a database error.
pub(crate) trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query {
            what: what(),
            source,
        })
    }
}
