//! Clair v4's matcher-side wire types: vulnerabilities, update operations and diffs,
//! vulnerability reports and affected manifests, as Clair serialises them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Distribution, Environment, Package, Repository};

/// The normalized severities, lowest first. `Defcon1` is in Quay's enum; no feed maps
/// to it, and it sorts above `Critical` if one ever does.
pub const SEVERITIES: [&str; 7] = [
    "Unknown",
    "Negligible",
    "Low",
    "Medium",
    "High",
    "Critical",
    "Defcon1",
];

/// Rank of a normalized severity for sorting (unknown strings rank as `Unknown`).
pub fn severity_rank(normalized: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|name| *name == normalized)
        .unwrap_or(0)
}

/// A vulnerability as a feed states it and as reports carry it. `id` is the store's
/// row id (a decimal string) once stored, empty before.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Vulnerability {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub updater: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339; Go's zero time when the feed gives none.
    #[serde(default = "zero_time")]
    pub issued: String,
    /// Space-separated URLs.
    #[serde(default)]
    pub links: String,
    /// The feed's own severity string.
    #[serde(default)]
    pub severity: String,
    /// One of [`SEVERITIES`].
    #[serde(default = "unknown_severity")]
    pub normalized_severity: String,
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<Repository>,
    /// A version, `"0"` for "not affected", or for OSV-style ecosystems a URL query
    /// such as `introduced=1.0&fixed=1.4`.
    #[serde(default)]
    pub fixed_in_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<VersionRange>,
    /// `equals`, `not equals` or `pattern match`; empty when unset.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub arch_op: String,
}

pub fn zero_time() -> String {
    "0001-01-01T00:00:00Z".into()
}

fn unknown_severity() -> String {
    "Unknown".into()
}

/// A half-open range `[lower, upper)` of normalized versions (`"<kind>:<v0>.….<v9>"`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct VersionRange {
    #[serde(rename = "[", default)]
    pub lower: String,
    #[serde(rename = ")", default)]
    pub upper: String,
}

/// What an update operation holds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum UpdateKind {
    Vulnerability,
    Enrichment,
}

impl UpdateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateKind::Vulnerability => "vulnerability",
            UpdateKind::Enrichment => "enrichment",
        }
    }

    pub fn parse(text: &str) -> Option<UpdateKind> {
        match text {
            "vulnerability" => Some(UpdateKind::Vulnerability),
            "enrichment" => Some(UpdateKind::Enrichment),
            _ => None,
        }
    }
}

/// One run of one updater that changed something.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UpdateOperation {
    /// UUID.
    #[serde(rename = "ref")]
    pub reference: String,
    pub updater: String,
    pub fingerprint: String,
    /// RFC 3339.
    pub date: String,
    /// `vulnerability`, `enrichment`, or `""` (Clair leaves it empty in listings).
    #[serde(default)]
    pub kind: String,
}

impl UpdateOperation {
    /// Clair's zero value, sent as `prev` of a diff against nothing.
    pub fn zero() -> UpdateOperation {
        UpdateOperation {
            reference: "00000000-0000-0000-0000-000000000000".into(),
            updater: String::new(),
            fingerprint: String::new(),
            date: zero_time(),
            kind: String::new(),
        }
    }
}

/// `GET /matcher/api/v1/internal/update_diff`: `null` lists when empty, as Clair.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UpdateDiff {
    pub prev: UpdateOperation,
    pub cur: UpdateOperation,
    pub added: Option<Vec<Vulnerability>>,
    pub removed: Option<Vec<Vulnerability>>,
}

/// One enrichment record: raw JSON tagged with the ids (e.g. CVE ids) it applies to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EnrichmentRecord {
    #[serde(rename = "Tags")]
    pub tags: Vec<String>,
    #[serde(rename = "Enrichment")]
    pub enrichment: serde_json::Value,
}

/// Which matchers ran for a report and which failed: Scry's addition, so an empty
/// report is never a silent failure. Clients that validate Clair's schema ignore it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct MatcherRun {
    pub ran: Vec<String>,
    /// Matcher name → error.
    pub failed: BTreeMap<String, String>,
    /// Matcher name → the version that judged (tells reports apart across a swap).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, String>,
}

/// `GET /matcher/api/v1/vulnerability_report/{digest}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VulnerabilityReport {
    pub manifest_hash: String,
    pub packages: BTreeMap<String, Package>,
    pub distributions: BTreeMap<String, Distribution>,
    pub repository: BTreeMap<String, Repository>,
    pub environments: BTreeMap<String, Vec<Environment>>,
    pub vulnerabilities: BTreeMap<String, Vulnerability>,
    pub package_vulnerabilities: BTreeMap<String, Vec<String>>,
    /// Enricher type → records; always an object.
    pub enrichments: BTreeMap<String, Vec<serde_json::Value>>,
    #[serde(rename = "scry_matchers", default)]
    pub matchers: MatcherRun,
}

/// `POST /indexer/api/v1/internal/affected_manifest` request body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct AffectedManifestsRequest {
    pub vulnerabilities: Vec<Vulnerability>,
}

/// `POST /indexer/api/v1/internal/affected_manifest` response: manifest → vulnerability
/// ids, highest normalized severity first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct AffectedManifests {
    pub vulnerabilities: BTreeMap<String, Vulnerability>,
    pub vulnerable_manifests: BTreeMap<String, Vec<String>>,
}
