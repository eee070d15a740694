//! One plugin call: a fresh store (deadline, memory cap, empty WASI) and an instance of
//! the plugin at its WIT version, configured before anything else runs in it.

use std::time::Duration;

use wasmtime::{Store, Trap};

use crate::config::Settings;
use crate::engine::Runtime;
use crate::error::{PluginError, PluginFailure};
use crate::state::PluginState;

/// Runs `$body` for whichever WIT version `$instance` (a `versions::Instance`) is, with
/// `$plugin` its bindings and `$v` that version's module (`v0_1`, `v0_2`): the same text
/// once, typed against each version's records.
macro_rules! each_version {
    ($instance:expr, |$plugin:ident, $v:ident| $body:expr) => {
        match $instance {
            Instance::V0_1($plugin) => {
                #[allow(unused_imports)]
                use v0_1 as $v;
                $body
            }
            Instance::V0_2($plugin) => {
                #[allow(unused_imports)]
                use v0_2 as $v;
                $body
            }
        }
    };
}

/// `Pre` (a linked component) and `Instance` of one world at each WIT version, from
/// the world's bindings type `$world` (`ScannerPlugin`), its `…Pre` type and the getter
/// of its exported interface (`scry_plugin_scanner`). Expanded in `versions.rs` of the
/// world, next to its `v0_1` and `v0_2` bindings.
macro_rules! versioned_world {
    ($world:ident, $pre:ident, $exports:ident) => {
        /// A component linked and ready to instantiate, at its WIT version.
        #[derive(Clone)]
        pub(super) enum Pre {
            V0_1(v0_1::$pre<PluginState>),
            V0_2(v0_2::$pre<PluginState>),
        }

        impl Pre {
            pub(super) fn version(&self) -> WitVersion {
                match self {
                    Pre::V0_1(_) => WitVersion::V0_1,
                    Pre::V0_2(_) => WitVersion::V0_2,
                }
            }
        }

        /// One instance of the plugin, at its WIT version.
        pub(super) enum Instance {
            V0_1(v0_1::$world),
            V0_2(v0_2::$world),
        }

        impl crate::call::Instantiate for Pre {
            type Instance = Instance;

            fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<Instance> {
                Ok(match self {
                    Pre::V0_1(pre) => Instance::V0_1(pre.instantiate(store)?),
                    Pre::V0_2(pre) => Instance::V0_2(pre.instantiate(store)?),
                })
            }
        }

        impl crate::call::Configure for Instance {
            /// A 0.1.0 plugin has no `configure`: the loader refused any settings for it
            /// already, so there is nothing to hand over.
            fn configure(
                &self,
                store: &mut Store<PluginState>,
                settings: &crate::config::Settings,
            ) -> wasmtime::Result<Result<(), String>> {
                match self {
                    Instance::V0_1(_) => Ok(Ok(())),
                    Instance::V0_2(plugin) => plugin
                        .$exports()
                        .call_configure(store, &crate::config::to_wit(settings)),
                }
            }
        }
    };
}

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
