//! Vulnerability feed updaters.
//!
//! An [`UpdaterSet`] (Clair's "updater set factory") discovers the [`Updater`]s of one
//! source — one per release or ecosystem — each run. An updater first *fetches*: a
//! conditional download against the fingerprint of its last stored operation, into
//! files on disk (never the whole feed in memory). If the source changed it then
//! *parses* those files as a stream, handing vulnerabilities to a [`Sink`] in batches.
//! Parsing is blocking code; callers run it on a blocking thread.
//!
//! Invariant: updaters never touch a store. What they produce goes through a sink (the
//! matcher's store writer, an airgap export file, or a test's collector).

mod error;
mod http;
mod sink;

pub mod alpine;
pub mod cvss;
pub mod cvss_score;
pub mod debian;
pub mod osv;
pub mod registry;
pub mod rhel_vex;
pub mod ubuntu;

use std::collections::BTreeMap;
use std::path::PathBuf;

use futures::future::BoxFuture;
use scry_model::UpdateKind;

pub use error::UpdaterError;
pub use http::{Conditional, FetchContext, Response};
pub use sink::{BATCH, Collect, Sink, SinkError};

/// The default updater set names, as Clair's `updaters.sets` spells them.
pub const DEFAULT_SETS: [&str; 6] = [
    "alpine",
    "debian",
    "ubuntu",
    "rhel-vex",
    "osv",
    "clair.cvss",
];

/// Discovers the updaters of one source.
pub trait UpdaterSet: Send + Sync {
    /// The set name `updaters.sets` selects it by.
    fn name(&self) -> &str;
    /// The updaters for this run; may ask the network (e.g. which releases exist).
    fn updaters<'a>(
        &'a self,
        ctx: &'a FetchContext,
    ) -> BoxFuture<'a, Result<Vec<Box<dyn Updater>>, UpdaterError>>;
}

/// What `fetch` found.
pub enum Fetched {
    /// The source has not changed since `prev_fingerprint`: nothing to write.
    Unchanged,
    /// New data, downloaded to `download`.
    Changed(Download),
}

/// Files an updater downloaded, in a directory removed when this is dropped, and the
/// fingerprint to store with the operation they become.
pub struct Download {
    pub fingerprint: String,
    pub dir: tempfile::TempDir,
    /// Named files in `dir`, by the updater's own keys.
    pub files: BTreeMap<String, PathBuf>,
}

impl Download {
    pub fn new(fingerprint: String) -> Result<Download, UpdaterError> {
        let dir = tempfile::tempdir().map_err(|err| UpdaterError::Io {
            what: "temporary directory for a download".into(),
            source: err,
        })?;
        Ok(Download {
            fingerprint,
            dir,
            files: BTreeMap::new(),
        })
    }

    /// Where to write the file named `key`; recorded in `files`.
    pub fn path_for(&mut self, key: &str) -> PathBuf {
        let file_name: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self
            .dir
            .path()
            .join(format!("{}-{file_name}", self.files.len()));
        self.files.insert(key.to_string(), path.clone());
        path
    }

    pub fn file(&self, key: &str) -> Result<&PathBuf, UpdaterError> {
        self.files.get(key).ok_or_else(|| UpdaterError::Parse {
            what: key.to_string(),
            reason: "was not downloaded".into(),
        })
    }
}

/// One source of vulnerabilities (or enrichment records) with its own update operations.
pub trait Updater: Send + Sync {
    /// Unique across all sets, e.g. `debian/updater/bookworm` or `osv/pypi`.
    fn name(&self) -> &str;
    fn kind(&self) -> UpdateKind {
        UpdateKind::Vulnerability
    }
    /// A delta updater's operation keeps its previous operation's vulnerabilities
    /// except those re-supplied or deleted (Red Hat VEX).
    fn delta(&self) -> bool {
        false
    }
    /// Downloads the source unless it is unchanged since `prev_fingerprint`.
    fn fetch<'a>(
        &'a self,
        ctx: &'a FetchContext,
        prev_fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, UpdaterError>>;
    /// Parses a download into `sink`, in batches of about [`BATCH`]. Blocking.
    fn parse(&self, download: &Download, sink: &mut dyn Sink) -> Result<(), UpdaterError>;
}
