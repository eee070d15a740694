//! The Debian security tracker's JSON, read as a stream:
//! `{"<source package>": {"<CVE>": {"description", "releases": {"<codename>":
//! {"status", "fixed_version", "urgency", …}}, …}, …}, …}`.
//!
//! Only one CVE entry is in memory at a time; records go out in batches.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use scry_model::{Package, Vulnerability, zero_time};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};

use super::batch::Batcher;
use super::releases::Releases;
use crate::{SinkError, UpdaterError};

#[derive(Deserialize)]
struct CveEntry {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    releases: BTreeMap<String, ReleaseEntry>,
}

#[derive(Deserialize)]
struct ReleaseEntry {
    #[serde(default)]
    status: String,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
}

/// Parses tracker JSON from `reader` into `out`; `what` names the input in errors.
pub fn parse(
    reader: impl Read,
    what: &str,
    releases: &Releases,
    out: &mut Batcher<'_>,
) -> Result<(), UpdaterError> {
    let mut state = Emit {
        releases,
        out,
        sink_error: None,
    };
    let mut json = serde_json::Deserializer::from_reader(reader);
    let result = PackagesSeed(&mut state)
        .deserialize(&mut json)
        .and_then(|()| json.end());
    if let Some(err) = state.sink_error {
        return Err(err.into());
    }
    result.map_err(|err| UpdaterError::Parse {
        what: what.to_string(),
        reason: err.to_string(),
    })?;
    state.out.flush()?;
    Ok(())
}

struct Emit<'a, 'b> {
    releases: &'a Releases,
    out: &'a mut Batcher<'b>,
    /// A sink failure, kept aside: serde's errors only carry text.
    sink_error: Option<SinkError>,
}

impl Emit<'_, '_> {
    fn cve<E: de::Error>(&mut self, package: &str, name: &str, entry: CveEntry) -> Result<(), E> {
        for (codename, release) in &entry.releases {
            // Releases the mirror does not know (sid, testing, ancient ones) have no
            // version to match an image's os-release against.
            let Some(known) = self.releases.get(codename) else {
                continue;
            };
            let vulnerability = record(package, name, entry.description.as_deref(), release, known);
            if let Err(err) = self.out.push(vulnerability) {
                self.sink_error = Some(err);
                return Err(E::custom("the sink failed"));
            }
        }
        Ok(())
    }
}

fn record(
    package: &str,
    name: &str,
    description: Option<&str>,
    release: &ReleaseEntry,
    known: &super::releases::Release,
) -> Vulnerability {
    let urgency = release.urgency.clone().unwrap_or_default();
    Vulnerability {
        name: name.to_string(),
        description: description.unwrap_or_default().to_string(),
        issued: zero_time(),
        links: format!("https://security-tracker.debian.org/tracker/{name}"),
        normalized_severity: normalized_severity(&urgency).to_string(),
        severity: urgency,
        package: Some(source_package(package)),
        distribution: Some(known.distribution()),
        fixed_in_version: fixed_in_version(release),
        ..Vulnerability::default()
    }
}

/// `resolved` carries the fixing version (`"0"`: this release was never affected);
/// `open` and `undetermined` are unfixed, which the matcher reads from an empty string.
fn fixed_in_version(release: &ReleaseEntry) -> String {
    match release.status.as_str() {
        "resolved" => release.fixed_version.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// Clair's mapping of tracker urgencies (one step up from the literal word). The
/// tracker marks urgencies it inferred with trailing `*`s; they mean the same.
pub fn normalized_severity(urgency: &str) -> &'static str {
    match urgency.trim_end_matches('*') {
        "unimportant" => "Low",
        "low" => "Medium",
        "medium" => "High",
        "high" => "Critical",
        _ => "Unknown",
    }
}

/// The tracker is keyed by source package; the matcher also finds binary packages
/// through their source.
pub fn source_package(name: &str) -> Package {
    Package {
        id: String::new(),
        name: name.to_string(),
        version: String::new(),
        kind: "source".into(),
        source: None,
        normalized_version: String::new(),
        module: String::new(),
        arch: String::new(),
        cpe: String::new(),
    }
}

/// The top-level object: source package → CVEs.
struct PackagesSeed<'s, 'a, 'b>(&'s mut Emit<'a, 'b>);

impl<'de> DeserializeSeed<'de> for PackagesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PackagesSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of source packages")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(package) = map.next_key::<String>()? {
            map.next_value_seed(CvesSeed {
                emit: &mut *self.0,
                package: &package,
            })?;
        }
        Ok(())
    }
}

/// One package's object: CVE id → entry.
struct CvesSeed<'s, 'p, 'a, 'b> {
    emit: &'s mut Emit<'a, 'b>,
    package: &'p str,
}

impl<'de> DeserializeSeed<'de> for CvesSeed<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CvesSeed<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object of CVEs for package {}", self.package)
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(name) = map.next_key::<String>()? {
            let entry: CveEntry = map.next_value()?;
            self.emit.cve(self.package, &name, entry)?;
        }
        Ok(())
    }
}

/// One line of a hand-made tracker feed, for tests elsewhere (e.g. end-to-end matching).
#[derive(Clone, Debug)]
pub struct TrackerEntry {
    pub source_package: String,
    pub cve: String,
    /// Release codename, e.g. `bookworm`; must be one the updater knows.
    pub codename: String,
    /// `Some("1.2-3")` resolved in that version, `Some("0")` not affected, `None` open.
    pub fixed_version: Option<String>,
    /// e.g. `low`, `medium`, `high`, `unimportant`, `not yet assigned`.
    pub urgency: String,
    pub description: String,
}

/// Builds tracker JSON in the real shape (the fields this parser reads, plus the
/// `repositories`/`scope` the real feed has) from `entries`.
///
/// To feed it to the `debian` set without a network: serve the JSON over HTTP and set
/// `updaters.config.debian.json_url` to it, and set `updaters.config.debian.releases`
/// (e.g. `{"bookworm": "12"}`) so no mirror is asked for the codename ↔ version map.
pub fn tracker_json(entries: &[TrackerEntry]) -> serde_json::Value {
    let mut root = serde_json::Map::new();
    for entry in entries {
        let package = root
            .entry(entry.source_package.clone())
            .or_insert_with(|| serde_json::json!({}));
        let cve = package
            .as_object_mut()
            .expect("packages are objects")
            .entry(entry.cve.clone())
            .or_insert_with(|| {
                serde_json::json!({
                    "description": entry.description,
                    "scope": "remote",
                    "releases": {}
                })
            });
        let mut release = serde_json::json!({
            "status": if entry.fixed_version.is_some() { "resolved" } else { "open" },
            "repositories": { entry.codename.clone(): entry.fixed_version.clone().unwrap_or_default() },
            "urgency": entry.urgency,
        });
        if let Some(fixed) = &entry.fixed_version {
            release["fixed_version"] = serde_json::json!(fixed);
        }
        cve["releases"][&entry.codename] = release;
    }
    serde_json::Value::Object(root)
}
