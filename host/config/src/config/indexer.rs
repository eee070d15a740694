//! `indexer`: the service that turns manifests into index reports.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::serde_util::{is_false, is_zero};

/// Indexer settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Indexer {
    /// Database for manifests, layers, scan results and index reports. Empty: a SQLite
    /// file `indexer.db` in `scry.data_dir`. Otherwise a PostgreSQL connection string,
    /// as a libpq `key=value` string (`host=db user=clair dbname=clair`) or a
    /// `postgresql://` URL; or `sqlite:PATH` for a SQLite file elsewhere.
    pub connstring: String,
    /// Seconds between attempts to take a manifest's scan lock. Kept for Clair
    /// compatibility; Scry waits on the lock instead of polling. 0 means 1.
    #[serde(skip_serializing_if = "is_zero")]
    pub scanlock_retry: i64,
    /// How many layers of one manifest are fetched and scanned at once. 0 means 10.
    #[serde(skip_serializing_if = "is_zero")]
    pub layer_scan_concurrency: i64,
    /// How many `POST /indexer/api/v1/index_report` requests run at once; requests over
    /// the limit get `429 Too Many Requests`. 0 means 4 per CPU; negative means no limit.
    #[serde(skip_serializing_if = "is_zero")]
    pub index_report_request_concurrency: i64,
    /// Create or upgrade the indexer's database tables at startup.
    #[serde(skip_serializing_if = "is_false")]
    pub migrations: bool,
    /// Only fetch layers from private (RFC 1918 / RFC 4193), loopback and link-local
    /// addresses.
    #[serde(skip_serializing_if = "is_false")]
    pub airgap: bool,
    /// Per-scanner settings, handed to the named scanner as JSON.
    #[serde(skip_serializing_if = "ScannerConfig::is_empty")]
    pub scanner: ScannerConfig,
}

/// `indexer.scanner`: free-form blocks keyed by scanner name. Their contents are not
/// checked here: each scanner reads its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerConfig {
    /// Settings for package scanners, by scanner name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub package: BTreeMap<String, Value>,
    /// Settings for distribution scanners, by scanner name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dist: BTreeMap<String, Value>,
    /// Settings for repository scanners, by scanner name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub repo: BTreeMap<String, Value>,
}

impl ScannerConfig {
    fn is_empty(&self) -> bool {
        self.package.is_empty() && self.dist.is_empty() && self.repo.is_empty()
    }

    /// The settings for a scanner by name, looked up among package, dist and repo
    /// scanners in that order.
    pub fn for_scanner(&self, name: &str) -> Option<&Value> {
        self.package
            .get(name)
            .or_else(|| self.dist.get(name))
            .or_else(|| self.repo.get(name))
    }
}

impl Indexer {
    /// `layer_scan_concurrency` with its default applied (values below 1 mean 10).
    pub fn effective_layer_scan_concurrency(&self) -> usize {
        if self.layer_scan_concurrency < 1 {
            10
        } else {
            self.layer_scan_concurrency as usize
        }
    }

    /// `index_report_request_concurrency` with its default applied: `None` is no limit,
    /// 0 becomes 4 × the CPUs available.
    pub fn effective_index_report_request_concurrency(&self) -> Option<usize> {
        match self.index_report_request_concurrency {
            n if n < 0 => None,
            0 => {
                let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
                Some(4 * cpus)
            }
            n => Some(n as usize),
        }
    }

    /// `scanlock_retry` with its default applied, in seconds.
    pub fn effective_scanlock_retry(&self) -> u64 {
        if self.scanlock_retry < 1 {
            1
        } else {
            self.scanlock_retry as u64
        }
    }
}
