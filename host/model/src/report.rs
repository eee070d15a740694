//! Clair v4's IndexReport and manifest, field for field as Clair serialises them (see
//! the wire-schema section of the Clair spec): maps always present, optional objects
//! left out rather than `null`, lower-case package kinds.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::ScannerId;

/// What a client asks to index.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub hash: String,
    pub layers: Vec<Layer>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Layer {
    pub hash: String,
    #[serde(default)]
    pub uri: String,
    #[serde(default)]
    pub headers: HashMap<String, Vec<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IndexReport {
    pub manifest_hash: String,
    pub state: String,
    pub packages: BTreeMap<String, Package>,
    pub distributions: BTreeMap<String, Distribution>,
    pub repository: BTreeMap<String, Repository>,
    pub environments: BTreeMap<String, Vec<Environment>>,
    pub success: bool,
    pub err: String,
    /// Scry's addition: the scanners (name, version, kind) that made the report, so a
    /// client can tell a report from before a plugin swap from one after it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scry_scanners: Vec<ScannerId>,
}

impl IndexReport {
    pub const FINISHED: &'static str = "IndexFinished";
    pub const ERROR: &'static str = "IndexError";

    /// A failed index: `err` says which layer and why.
    pub fn failed(manifest_hash: &str, err: String) -> Self {
        IndexReport {
            manifest_hash: manifest_hash.to_string(),
            state: Self::ERROR.into(),
            packages: BTreeMap::new(),
            distributions: BTreeMap::new(),
            repository: BTreeMap::new(),
            environments: BTreeMap::new(),
            success: false,
            err,
            scry_scanners: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Package {
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    #[serde(default)]
    pub normalized_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub module: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub arch: String,
    #[serde(default)]
    pub cpe: String,
}

/// A binary package's source package, nested in it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourcePackage {
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default)]
    pub normalized_version: String,
    #[serde(default)]
    pub cpe: String,
}

/// All nine fields are always present; Quay's schema requires every one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Distribution {
    pub id: String,
    pub did: String,
    pub name: String,
    pub version: String,
    pub version_code_name: String,
    pub version_id: String,
    pub arch: String,
    pub cpe: String,
    pub pretty_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Repository {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uri: String,
    #[serde(default)]
    pub cpe: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Environment {
    pub package_db: String,
    pub introduced_in: String,
    pub distribution_id: String,
    #[serde(default)]
    pub repository_ids: Vec<String>,
}

/// `GET /indexer/api/v1/index_state`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IndexState {
    pub state: String,
}
