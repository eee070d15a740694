//! Loading and calling `matcher` plugins.
//!
//! A matcher is compiled once; `info` (unconfigured) and `query` are asked once, at
//! load, and kept. Every `filter` / `vulnerable` call gets a fresh `Store` (deadline,
//! memory cap, empty WASI) instantiated from the shared `InstancePre` and configured
//! first, so a call costs one instantiation, `configure`, and copying its arguments in.

use std::collections::HashMap;
use std::sync::Arc;

use crate::cache::content_hash;
use crate::call::Call;
use crate::config::{Settings, unconfigurable};
use crate::engine::Runtime;
use crate::error::{PluginError, PluginFailure};
use crate::world::{self, WitVersion, World};

#[macro_use]
mod convert;
mod versions;

use versions::{Instance, Pre};

/// One package of an index report with its distribution and repository.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndexRecord {
    pub package: scry_model::Package,
    pub distribution: Option<scry_model::Distribution>,
    pub repository: Option<scry_model::Repository>,
}

/// A stored vulnerability to judge against `records[record]` of the same call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub record: u32,
    pub vulnerability: scry_model::Vulnerability,
}

/// A field a stored vulnerability must share with a record to be a candidate.
/// `PackageName` and `SourceName` together mean "either name".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchConstraint {
    PackageName,
    SourceName,
    PackageModule,
    DistributionDid,
    DistributionName,
    DistributionVersion,
    DistributionVersionCodeName,
    DistributionVersionId,
    DistributionArch,
    DistributionCpe,
    DistributionPrettyName,
    RepositoryName,
    RepositoryKey,
    /// The vulnerability has a non-empty `fixed_in_version`.
    HasFixedInVersion,
}

/// A loaded matcher plugin. Cheap to clone; calls may run on many threads at once.
#[derive(Clone)]
pub struct MatcherPlugin {
    name: String,
    version: String,
    query: Vec<MatchConstraint>,
    /// Hex sha256 of the component bytes.
    pub content_hash: String,
    pre: Pre,
    /// Handed to `configure` at the start of every call instance (0.2.0 and later).
    settings: Arc<Settings>,
    runtime: Runtime,
}

impl MatcherPlugin {
    /// [`MatcherPlugin::load_configured`] with the block the runtime's
    /// [`crate::PluginBlocks`] keep for the plugin's name (none: no settings); a rejection
    /// names the block's key.
    pub fn load(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<MatcherPlugin, PluginError> {
        crate::config::naming_key(|pick| {
            Self::load_configured(runtime, label, wasm, |name| {
                pick(runtime.blocks.matcher(name))
            })
        })
    }

    /// Compiles (or loads precompiled) `wasm`, asks the plugin who it is (unconfigured),
    /// then configures it with `settings_for(name)` — the block the caller keeps for a
    /// matcher of that name — and asks how to query for it. `label` names the plugin in
    /// errors until it has told its name. A plugin that rejects its settings, or one
    /// built for WIT 0.1.0 given any, fails with [`PluginFailure::Config`].
    pub fn load_configured(
        runtime: &Runtime,
        label: &str,
        wasm: &[u8],
        settings_for: impl FnOnce(&str) -> Settings,
    ) -> Result<MatcherPlugin, PluginError> {
        let invalid = |err: wasmtime::Error| {
            PluginError::new(label, PluginFailure::Invalid(format!("{err:#}")))
        };
        // Checked before linking, so another WIT version or world is refused by name.
        let (component, wit_version) = world::component_for(runtime, label, wasm, World::Matcher)?;
        let pre = Pre::new(runtime, &component, wit_version).map_err(invalid)?;

        let deadline = runtime.limits.load_deadline;
        // Name and version never depend on configuration: asked in an instance of their own.
        let (name, version) = Call::unconfigured(runtime, label, &pre, deadline)?
            .run(|guest, store| guest.info(store))?;
        if name.trim().is_empty() || version.trim().is_empty() {
            return Err(PluginError::new(
                label,
                PluginFailure::Garbage("info returned an empty name or version".into()),
            ));
        }
        let settings = settings_for(&name);
        if wit_version == WitVersion::V0_1
            && let Some(why) = unconfigurable(wit_version.as_str(), &settings)
        {
            return Err(PluginError::new(&name, PluginFailure::Config(why)));
        }
        let query = Call::configured(runtime, &name, &pre, deadline, &settings)?
            .run(|guest, store| guest.query(store))?;
        Ok(MatcherPlugin {
            name,
            version,
            query,
            content_hash: content_hash(wasm),
            pre,
            settings: Arc::new(settings),
            runtime: runtime.clone(),
        })
    }

    /// The WIT version the component was built for.
    pub fn wit_version(&self) -> WitVersion {
        self.pre.version()
    }

    /// The configuration block every call instance is configured with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// `(name, version)` as the plugin reported them at load.
    pub fn info(&self) -> (&str, &str) {
        (&self.name, &self.version)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The constraints the plugin asked for at load.
    pub fn query(&self) -> &[MatchConstraint] {
        &self.query
    }

    /// One flag per record: does this matcher handle it? Blocking.
    pub fn filter(&self, records: &[IndexRecord]) -> Result<Vec<bool>, PluginError> {
        let mut call = self.call()?;
        let flags = call.run(|guest, store| guest.filter(store, records))?;
        self.check_count("filter", flags.len(), records.len())?;
        Ok(flags)
    }

    /// One verdict per candidate: is `candidate.vulnerability` affecting
    /// `records[candidate.record]`? Blocking. A version the plugin cannot order fails
    /// the call with [`PluginFailure::BadVersion`].
    pub fn vulnerable(
        &self,
        records: &[IndexRecord],
        candidates: &[Candidate],
    ) -> Result<Vec<bool>, PluginError> {
        if let Some(stray) = candidates
            .iter()
            .find(|c| c.record as usize >= records.len())
        {
            // The host's own mistake; the plugin would only report it less clearly.
            return Err(self.error(PluginFailure::MatchFailed(format!(
                "candidate {} refers to record {} of {}",
                stray.vulnerability.name,
                stray.record,
                records.len()
            ))));
        }
        // Only the records some candidate refers to cross the boundary, renumbered.
        let mut renumbered: HashMap<u32, u32> = HashMap::new();
        let mut sent: Vec<&IndexRecord> = Vec::new();
        let local: Vec<(u32, &Candidate)> = candidates
            .iter()
            .map(|c| {
                let at = *renumbered.entry(c.record).or_insert_with(|| {
                    sent.push(&records[c.record as usize]);
                    (sent.len() - 1) as u32
                });
                (at, c)
            })
            .collect();
        let mut call = self.call()?;
        let verdicts = call
            .run(|guest, store| guest.vulnerable(store, &sent, &local))?
            .map_err(|failure| self.error(failure))?;
        self.check_count("vulnerable", verdicts.len(), candidates.len())?;
        Ok(verdicts)
    }

    fn call(&self) -> Result<Call<'_, Instance>, PluginError> {
        let deadline = self.runtime.limits.match_deadline;
        Call::configured(
            &self.runtime,
            &self.name,
            &self.pre,
            deadline,
            &self.settings,
        )
    }

    fn check_count(&self, what: &str, got: usize, want: usize) -> Result<(), PluginError> {
        if got == want {
            return Ok(());
        }
        Err(self.error(PluginFailure::Garbage(format!(
            "{what} returned {got} answers for {want} inputs"
        ))))
    }

    fn error(&self, failure: PluginFailure) -> PluginError {
        PluginError::new(&self.name, failure)
    }
}
