//! Where parsed records go.

use scry_model::{EnrichmentRecord, Vulnerability};
use thiserror::Error;

/// Records per batch an updater hands to its sink.
pub const BATCH: usize = 2048;

#[derive(Debug, Error)]
#[error("storing parsed records: {0}")]
pub struct SinkError(pub String);

/// Receives an updater's records. Implementations may block (e.g. on a bounded
/// channel to a database writer), which is how memory stays bounded.
pub trait Sink {
    fn vulnerabilities(&mut self, batch: Vec<Vulnerability>) -> Result<(), SinkError>;
    fn enrichments(&mut self, batch: Vec<EnrichmentRecord>) -> Result<(), SinkError>;
    /// For delta updaters: names (e.g. CVE ids) whose earlier records are withdrawn.
    fn deleted(&mut self, names: Vec<String>) -> Result<(), SinkError>;
}

/// Collects everything in memory: for tests and small feeds.
#[derive(Debug, Default)]
pub struct Collect {
    pub vulnerabilities: Vec<Vulnerability>,
    pub enrichments: Vec<EnrichmentRecord>,
    pub deleted: Vec<String>,
}

impl Sink for Collect {
    fn vulnerabilities(&mut self, batch: Vec<Vulnerability>) -> Result<(), SinkError> {
        self.vulnerabilities.extend(batch);
        Ok(())
    }
    fn enrichments(&mut self, batch: Vec<EnrichmentRecord>) -> Result<(), SinkError> {
        self.enrichments.extend(batch);
        Ok(())
    }
    fn deleted(&mut self, names: Vec<String>) -> Result<(), SinkError> {
        self.deleted.extend(names);
        Ok(())
    }
}
