//! Errors. Every message starts with the layer digest, so a line in a log is enough to
//! know which blob of which image failed.

use std::{fmt, io, path::PathBuf};

use crate::Compression;

/// Why a layer could not be read. No files are returned with any of these.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("layer {digest}: the digest is not `sha256:<64 hex>` or `sha512:<128 hex>`")]
    BadDigest { digest: String },

    #[error("layer {digest}: cannot open {path}: {source}")]
    Open {
        digest: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "layer {digest}: range {offset}+{len} lies beyond the end of {path} ({file_len} bytes)"
    )]
    RangeOutsideFile {
        digest: String,
        path: PathBuf,
        offset: u64,
        len: u64,
        file_len: u64,
    },

    /// The request could not be sent, or the response never came.
    #[error("layer {digest}: GET {url}: {source}")]
    Request {
        digest: String,
        /// With the query string redacted: pre-signed URLs carry credentials there.
        url: String,
        #[source]
        source: reqwest::Error,
    },

    #[error("layer {digest}: GET {url} answered {status}: {body:?}")]
    HttpStatus {
        digest: String,
        url: String,
        status: u16,
        /// The first 256 bytes of the response body, lossily decoded.
        body: String,
    },

    /// The source (disk or network) failed while the layer was being read.
    #[error("layer {digest}: reading {origin} failed {place}: {source}")]
    Read {
        digest: String,
        /// The file path or the redacted URL.
        origin: String,
        place: Place,
        #[source]
        source: io::Error,
    },

    #[error("layer {digest}: corrupt {compression} stream {place}: {source}")]
    Decompress {
        digest: String,
        compression: Compression,
        place: Place,
        #[source]
        source: io::Error,
    },

    /// The compressed or the tar stream ends before its own format says it should.
    #[error("layer {digest}: truncated: the {stream} stream ends {place}")]
    Truncated {
        digest: String,
        /// `gzip`, `zstd` or `tar`.
        stream: &'static str,
        place: Place,
    },

    #[error("layer {digest}: malformed tar {place}: {source}")]
    Tar {
        digest: String,
        place: Place,
        #[source]
        source: io::Error,
    },

    #[error("layer {digest}: entry {path:?} has a `..` component (path traversal)")]
    PathTraversal { digest: String, path: String },

    #[error(
        "layer {digest}: entry {path} claims {size} bytes, more than a whole layer may hold ({limit})"
    )]
    EntryTooLarge {
        digest: String,
        path: String,
        size: u64,
        limit: u64,
    },

    #[error("layer {digest}: wanted file {path} has {size} bytes, over the limit of {limit}")]
    FileTooLarge {
        digest: String,
        path: String,
        size: u64,
        limit: u64,
    },

    #[error("layer {digest}: more than {limit} uncompressed bytes {place}")]
    TooMuchData {
        digest: String,
        limit: u64,
        place: Place,
    },

    /// The output grew faster than a real layer's would: a decompression bomb.
    #[error(
        "layer {digest}: {uncompressed} bytes came out of {compressed} compressed bytes, over the ratio limit of {limit}:1 {place}"
    )]
    RatioExceeded {
        digest: String,
        uncompressed: u64,
        compressed: u64,
        limit: u64,
        place: Place,
    },

    #[error("layer {digest}: more than {limit} tar entries")]
    TooManyEntries { digest: String, limit: u64 },

    /// PAX or GNU long-name records that tokio-tar would have to hold in memory.
    #[error("layer {digest}: extension headers over {limit} bytes {place}")]
    HeaderTooLarge {
        digest: String,
        limit: u64,
        place: Place,
    },

    #[error("layer {digest}: digest mismatch: expected {digest}, got {actual}")]
    DigestMismatch { digest: String, actual: String },

    #[error("layer {digest}: cannot spool {path} to a temporary file: {source}")]
    Spool {
        digest: String,
        path: String,
        #[source]
        source: io::Error,
    },
}

/// Where in the tar stream something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Before the first entry.
    Start,
    /// While reading the headers that follow this entry.
    After(String),
    /// While reading this entry's body.
    In(String),
    /// After the end-of-archive marker, while the rest of the stream was read.
    AfterEnd,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Start => f.write_str("before the first entry"),
            Place::After(path) => write!(f, "after entry {path}"),
            Place::In(path) => write!(f, "in entry {path}"),
            Place::AfterEnd => f.write_str("after the end of the tar"),
        }
    }
}

/// A plugin asked for files with a glob that does not parse.
#[derive(Debug, Clone, thiserror::Error)]
#[error("plugin {plugin}: bad glob {glob:?}: {reason}")]
pub struct BadGlob {
    /// Position of the plugin's [`crate::FileWants`] in the list given to the router.
    pub plugin: usize,
    pub glob: String,
    pub reason: String,
}
