//! Loading and calling `matcher` plugins.
//!
//! A matcher is compiled once; `info` and `query` are asked once, at load, and kept.
//! Every `filter` / `vulnerable` call gets a fresh `Store` (deadline, memory cap,
//! empty WASI) instantiated from the shared `InstancePre`, so a call costs one
//! instantiation plus copying its arguments in.

use std::collections::HashMap;

use wasmtime::Store;
use wasmtime::component::Linker;

use crate::cache::content_hash;
use crate::engine::Runtime;
use crate::error::{PluginError, PluginFailure};
use crate::state::PluginState;
use crate::world::{self, World};

mod bindings {
    wasmtime::component::bindgen!({
        world: "matcher-plugin",
        path: "../../wit",
    });
}
mod convert;

use bindings::exports::scry::plugin::matcher as wit;

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
    pre: bindings::MatcherPluginPre<PluginState>,
    runtime: Runtime,
}

impl MatcherPlugin {
    /// Compiles (or loads precompiled) `wasm` and asks the plugin who it is and how to
    /// query for it. `label` names the plugin in errors until it has told its name.
    pub fn load(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<MatcherPlugin, PluginError> {
        let invalid = |err: wasmtime::Error| {
            PluginError::new(label, PluginFailure::Invalid(format!("{err:#}")))
        };
        // Checked before linking, so another WIT version or world is refused by name.
        let component = world::component_for(runtime, label, wasm, World::Matcher)?;
        let mut linker = Linker::<PluginState>::new(&runtime.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(invalid)?;
        let instance_pre = linker.instantiate_pre(&component).map_err(invalid)?;
        let pre = bindings::MatcherPluginPre::new(instance_pre).map_err(invalid)?;

        let deadline = runtime.limits.load_deadline;
        let mut call = Call::new(runtime, label, &pre, deadline)?;
        let info = call.run(|guest, store| guest.call_info(store))?;
        let query = call.run(|guest, store| guest.call_query(store))?;
        if info.name.trim().is_empty() || info.version.trim().is_empty() {
            return Err(PluginError::new(
                label,
                PluginFailure::Garbage("info returned an empty name or version".into()),
            ));
        }
        Ok(MatcherPlugin {
            name: info.name,
            version: info.version,
            query: query.into_iter().map(convert::constraint).collect(),
            content_hash: content_hash(wasm),
            pre,
            runtime: runtime.clone(),
        })
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
        let records: Vec<wit::IndexRecord> = records.iter().map(convert::record).collect();
        let mut call = self.call()?;
        let flags = call.run(|guest, store| guest.call_filter(store, &records))?;
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
        let mut wit_records: Vec<wit::IndexRecord> = Vec::new();
        let wit_candidates: Vec<wit::Candidate> = candidates
            .iter()
            .map(|c| {
                let local = *renumbered.entry(c.record).or_insert_with(|| {
                    wit_records.push(convert::record(&records[c.record as usize]));
                    (wit_records.len() - 1) as u32
                });
                convert::candidate(local, c)
            })
            .collect();
        let mut call = self.call()?;
        let verdicts = call
            .run(|guest, store| guest.call_vulnerable(store, &wit_records, &wit_candidates))?
            .map_err(|err| self.error(convert::match_error(err)))?;
        self.check_count("vulnerable", verdicts.len(), candidates.len())?;
        Ok(verdicts)
    }

    fn call(&self) -> Result<Call<'_>, PluginError> {
        let deadline = self.runtime.limits.match_deadline;
        Call::new(&self.runtime, &self.name, &self.pre, deadline)
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

/// One instance in one fresh store, with the deadline re-armed before every call.
struct Call<'a> {
    plugin: &'a str,
    store: Store<PluginState>,
    instance: bindings::MatcherPlugin,
    deadline: std::time::Duration,
}

impl<'a> Call<'a> {
    fn new(
        runtime: &Runtime,
        plugin: &'a str,
        pre: &bindings::MatcherPluginPre<PluginState>,
        deadline: std::time::Duration,
    ) -> Result<Self, PluginError> {
        let mut store = runtime.sandboxed_store(deadline);
        let instance = pre
            .instantiate(&mut store)
            .map_err(|err| crate::scanner::classify(plugin, &store, deadline, err))?;
        Ok(Call {
            plugin,
            store,
            instance,
            deadline,
        })
    }

    fn run<T>(
        &mut self,
        f: impl FnOnce(&wit::Guest, &mut Store<PluginState>) -> wasmtime::Result<T>,
    ) -> Result<T, PluginError> {
        self.store
            .set_epoch_deadline(Runtime::deadline_ticks(self.deadline));
        let guest = self.instance.scry_plugin_matcher();
        f(guest, &mut self.store)
            .map_err(|err| crate::scanner::classify(self.plugin, &self.store, self.deadline, err))
    }
}

impl bindings::scry::plugin::types::Host for PluginState {}
