//! The matcher world at each WIT version this host runs, behind one enum. Both versions
//! use the shared host records of [`crate::types`].

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use super::{Candidate, IndexRecord, MatchConstraint};
use crate::engine::Runtime;
use crate::error::PluginFailure;
use crate::state::PluginState;
use crate::world::WitVersion;

pub(super) mod v0_2 {
    wasmtime::component::bindgen!({
        world: "matcher-plugin",
        path: "../../sdk/wit",
        with: { "scry:plugin/types": crate::types::scry::plugin::types },
    });
    boundary!();
}

pub(super) mod v0_1 {
    wasmtime::component::bindgen!({
        world: "matcher-plugin",
        path: "../../sdk/wit-archive/0.1.0",
        with: { "scry:plugin/types": crate::types::scry::plugin::types },
    });
    boundary!();
}

versioned_world!(MatcherPlugin, MatcherPluginPre, scry_plugin_matcher);

impl Pre {
    pub(super) fn new(
        runtime: &Runtime,
        component: &Component,
        version: WitVersion,
    ) -> wasmtime::Result<Pre> {
        // A matcher imports nothing of ours: only the (empty) WASI a std guest links.
        let mut linker = Linker::<PluginState>::new(&runtime.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let pre = linker.instantiate_pre(component)?;
        Ok(match version {
            WitVersion::V0_1 => Pre::V0_1(v0_1::MatcherPluginPre::new(pre)?),
            WitVersion::V0_2 => Pre::V0_2(v0_2::MatcherPluginPre::new(pre)?),
        })
    }
}

impl Instance {
    /// `(name, version)`.
    pub(super) fn info(
        &self,
        store: &mut Store<PluginState>,
    ) -> wasmtime::Result<(String, String)> {
        each_version!(self, |plugin, v| {
            let info: v::exports::scry::plugin::matcher::MatcherInfo =
                plugin.scry_plugin_matcher().call_info(store)?;
            Ok((info.name, info.version))
        })
    }

    pub(super) fn query(
        &self,
        store: &mut Store<PluginState>,
    ) -> wasmtime::Result<Vec<MatchConstraint>> {
        each_version!(self, |plugin, v| {
            let query = plugin.scry_plugin_matcher().call_query(store)?;
            Ok(query.into_iter().map(v::constraint).collect())
        })
    }

    pub(super) fn filter(
        &self,
        store: &mut Store<PluginState>,
        records: &[IndexRecord],
    ) -> wasmtime::Result<Vec<bool>> {
        each_version!(self, |plugin, v| {
            let records: Vec<_> = records.iter().map(v::record).collect();
            plugin.scry_plugin_matcher().call_filter(store, &records)
        })
    }

    /// Verdicts for `candidates`, each `(index into records, candidate)`.
    pub(super) fn vulnerable(
        &self,
        store: &mut Store<PluginState>,
        records: &[&IndexRecord],
        candidates: &[(u32, &Candidate)],
    ) -> wasmtime::Result<Result<Vec<bool>, PluginFailure>> {
        each_version!(self, |plugin, v| {
            let records: Vec<_> = records.iter().map(|r| v::record(r)).collect();
            let candidates: Vec<_> = candidates
                .iter()
                .map(|(at, c)| v::candidate(*at, c))
                .collect();
            let verdicts =
                plugin
                    .scry_plugin_matcher()
                    .call_vulnerable(store, &records, &candidates)?;
            Ok(verdicts.map_err(v::match_error))
        })
    }
}
