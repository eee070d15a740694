//! `matcher`: the service that matches index reports against vulnerability data and
//! runs the updaters.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::serde_util::{empty_is_none, is_false, is_zero};

/// How often updaters run unless `matcher.period` says otherwise.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(6 * 3600);
/// Update operations kept per updater unless `matcher.update_retention` says otherwise.
pub const DEFAULT_UPDATE_RETENTION: usize = 10;

/// Matcher settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Matcher {
    /// Database for vulnerabilities and update operations; forms as for
    /// `indexer.connstring`. Empty: a SQLite file `matcher.db` in `scry.data_dir`.
    pub connstring: String,
    /// URL of the indexer to ask for index reports, e.g. `http://clair-indexer:6060/`.
    /// Required in `matcher` mode; unused in `combo` mode.
    #[serde(
        deserialize_with = "empty_is_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub indexer_addr: Option<String>,
    /// How often the updaters run (a Go duration such as `6h`). Unset, or under one
    /// minute: 6 hours.
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub period: Option<Duration>,
    /// Update operations to keep per updater when garbage-collecting old vulnerability
    /// data. Negative turns garbage collection off; 0 or 1 means 10.
    #[serde(skip_serializing_if = "is_zero")]
    pub update_retention: i64,
    /// `max-age` of the `Cache-Control` header on vulnerability reports (a Go duration).
    /// Unset: the same as `period`.
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub cache_age: Option<Duration>,
    /// Deprecated and ignored (Clair sized its connection pool with it); set the pool
    /// size in the connection string instead.
    #[serde(skip_serializing_if = "is_zero")]
    pub max_conn_pool: i64,
    /// Create or upgrade the matcher's database tables at startup.
    #[serde(skip_serializing_if = "is_false")]
    pub migrations: bool,
    /// Run no updaters (vulnerability data arrives some other way, e.g. an import).
    /// Garbage collection still runs.
    #[serde(skip_serializing_if = "is_false")]
    pub disable_updaters: bool,
    /// Leave enrichments (such as CVSS scores) out of vulnerability reports.
    #[serde(skip_serializing_if = "is_false")]
    pub disable_enrichment: bool,
}

impl Matcher {
    /// `period` with its default applied: under one minute means 6 hours.
    pub fn effective_period(&self) -> Duration {
        match self.period {
            Some(period) if period >= Duration::from_secs(60) => period,
            _ => DEFAULT_PERIOD,
        }
    }

    /// `update_retention` with its default applied; `None` means garbage collection is
    /// off.
    pub fn effective_update_retention(&self) -> Option<usize> {
        match self.update_retention {
            n if n < 0 => None,
            0 | 1 => Some(DEFAULT_UPDATE_RETENTION),
            n => Some(n as usize),
        }
    }

    /// `cache_age` with its default applied (the effective period).
    pub fn effective_cache_age(&self) -> Duration {
        match self.cache_age {
            Some(age) if !age.is_zero() => age,
            _ => self.effective_period(),
        }
    }
}
