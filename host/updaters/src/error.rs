use thiserror::Error;

/// Every error names the updater's input: a URL, a file key or a record.
#[derive(Debug, Error)]
pub enum UpdaterError {
    #[error("fetching {url}: {reason}")]
    Fetch { url: String, reason: String },
    #[error("fetching {url}: HTTP status {status}")]
    Status { url: String, status: u16 },
    #[error("parsing {what}: {reason}")]
    Parse { what: String, reason: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("configuration of {updater}: {reason}")]
    Config { updater: String, reason: String },
    #[error(transparent)]
    Sink(#[from] crate::SinkError),
}
