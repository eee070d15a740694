//! `matchers` and `updaters`: which matchers and vulnerability sources are enabled,
//! and their free-form settings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `matchers`: which matchers run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Matchers {
    /// Matcher names to enable. Absent or `null`: every default matcher; `[]`: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// Settings by matcher (or matcher factory) name, handed to it as JSON, e.g.
    /// `rhel: {ignore_unpatched: true}`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, Value>,
}

/// `updaters`: which vulnerability sources are fetched.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Updaters {
    /// Updater set names to run (`alpine`, `debian`, `ubuntu`, `osv`, …). Absent or
    /// `null`: every default set; `[]`: none. `matcher.disable_updaters` forces `[]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sets: Option<Vec<String>>,
    /// Settings keyed by updater set name or single updater name, handed to it as JSON.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, Value>,
    /// A regular expression; only updaters whose name matches it run. Used by offline
    /// export tools (clairctl's `export-updaters`), not by the matcher service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}
