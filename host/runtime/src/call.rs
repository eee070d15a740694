//! One plugin call: a fresh store (deadline, memory cap, empty WASI) and an instance of
//! the plugin at its WIT version, configured before anything else runs in it.

use std::time::Duration;

use wasmtime::{Store, Trap};

use crate::config::Settings;
use crate::engine::Runtime;
use crate::error::{PluginError, PluginFailure};
use crate::state::PluginState;

/// A linked component of one world, at whichever WIT version it was built for.
pub(crate) trait Instantiate {
    type Instance: Configure;
    fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<Self::Instance>;
}

/// An instance that takes its configuration block (a no-op at WIT versions without
/// `configure`, whose loader refuses any block).
pub(crate) trait Configure {
    fn configure(
        &self,
        store: &mut Store<PluginState>,
        settings: &Settings,
    ) -> wasmtime::Result<Result<(), String>>;
}

/// One instance in one fresh store, with the deadline re-armed before every call.
pub(crate) struct Call<'a, I> {
    plugin: &'a str,
    pub(crate) store: Store<PluginState>,
    instance: I,
    deadline: Duration,
}

impl<'a, I: Configure> Call<'a, I> {
    /// An unconfigured instance: only for the calls that never depend on configuration
    /// (`identify`, `info`).
    pub(crate) fn unconfigured(
        runtime: &Runtime,
        plugin: &'a str,
        pre: &impl Instantiate<Instance = I>,
        deadline: Duration,
    ) -> Result<Self, PluginError> {
        let mut store = runtime.sandboxed_store(deadline);
        let instance = pre
            .instantiate(&mut store)
            .map_err(|err| classify(plugin, &store, deadline, err))?;
        Ok(Call {
            plugin,
            store,
            instance,
            deadline,
        })
    }

    /// An instance that has accepted `settings`, under the same deadline and cap; a
    /// refusal is [`PluginFailure::Config`] naming the plugin.
    pub(crate) fn configured(
        runtime: &Runtime,
        plugin: &'a str,
        pre: &impl Instantiate<Instance = I>,
        deadline: Duration,
        settings: &Settings,
    ) -> Result<Self, PluginError> {
        let mut call = Call::unconfigured(runtime, plugin, pre, deadline)?;
        call.run(|instance, store| instance.configure(store, settings))?
            .map_err(|why| PluginError::new(plugin, PluginFailure::Config(why)))?;
        Ok(call)
    }

    pub(crate) fn run<T>(
        &mut self,
        f: impl FnOnce(&I, &mut Store<PluginState>) -> wasmtime::Result<T>,
    ) -> Result<T, PluginError> {
        self.store
            .set_epoch_deadline(Runtime::deadline_ticks(self.deadline));
        f(&self.instance, &mut self.store)
            .map_err(|err| classify(self.plugin, &self.store, self.deadline, err))
    }
}

/// Turns a wasmtime error into the failure a user can act on.
fn classify(
    plugin: &str,
    store: &Store<PluginState>,
    deadline: Duration,
    err: wasmtime::Error,
) -> PluginError {
    let failure = if store.data().limiter.exceeded {
        PluginFailure::Memory {
            cap: store.data().limiter.cap,
        }
    } else if matches!(err.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
        PluginFailure::Deadline(deadline)
    } else {
        PluginFailure::Trap(format!("{err:#}"))
    };
    PluginError::new(plugin, failure)
}
