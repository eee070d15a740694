//! One wasmtime `Engine` per process, with epoch interruption driven by a ticker thread.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

use crate::cache::ComponentCache;
use crate::config::PluginBlocks;
use crate::error::RuntimeError;
use crate::limits::PluginLimits;
use crate::state::PluginState;

/// How often the epoch advances; deadlines are counted in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    pub limits: PluginLimits,
    /// Where precompiled components are kept; `None` compiles in memory every start.
    pub cache_dir: Option<PathBuf>,
    /// Instances that may be alive at once (the pooling allocator reserves slots up front).
    pub max_instances: u32,
    /// The plugins' configuration blocks, applied at every load.
    pub plugin_blocks: PluginBlocks,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            limits: PluginLimits::default(),
            cache_dir: default_cache_dir(),
            max_instances: 64,
            plugin_blocks: PluginBlocks::default(),
        }
    }
}

/// `$XDG_CACHE_HOME/scry/components`, else `~/.cache/scry/components`.
fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("scry").join("components"))
}

/// The compiled-plugin runtime. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) limits: PluginLimits,
    pub(crate) cache: ComponentCache,
    pub(crate) blocks: Arc<PluginBlocks>,
    pooling: bool,
    _ticker: Arc<Ticker>,
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Runtime, RuntimeError> {
        // The pooling allocator reserves address space for every slot at start; where the
        // address space is limited (ulimit -v, 32-bit), fall back to on-demand allocation.
        let (engine, pooling) = match Engine::new(&engine_config(&config, true)) {
            Ok(engine) => (engine, true),
            Err(err) => {
                tracing::warn!(error = %err, "pooling allocator unavailable, allocating on demand");
                (
                    Engine::new(&engine_config(&config, false))
                        .map_err(|err| RuntimeError(format!("{err:#}")))?,
                    false,
                )
            }
        };
        let cache = ComponentCache::new(&engine, config.cache_dir.clone());
        let ticker = Ticker::start(engine.clone());
        Ok(Runtime {
            engine,
            limits: config.limits,
            cache,
            blocks: Arc::new(config.plugin_blocks),
            pooling,
            _ticker: ticker,
        })
    }

    /// Whether instances come from the pooling allocator.
    pub fn pooling(&self) -> bool {
        self.pooling
    }

    pub fn limits(&self) -> &PluginLimits {
        &self.limits
    }

    /// A fresh store for one plugin call: memory cap, empty WASI context, and an epoch
    /// deadline that traps. Every scanner and matcher call starts here.
    pub(crate) fn sandboxed_store(&self, deadline: Duration) -> Store<PluginState> {
        let limits = &self.limits;
        let mut store = Store::new(
            &self.engine,
            PluginState::new(limits.memory_bytes, limits.max_read_chunk),
        );
        store.limiter(|state| &mut state.limiter);
        store.set_epoch_deadline(Self::deadline_ticks(deadline));
        store.epoch_deadline_trap();
        store
    }

    pub(crate) fn deadline_ticks(duration: Duration) -> u64 {
        (duration.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64 + 1
    }
}

fn engine_config(config: &RuntimeConfig, pooling: bool) -> Config {
    let mut wasm = Config::new();
    wasm.wasm_component_model(true);
    wasm.epoch_interruption(true);
    // Synchronous calls only: async support makes every call several times slower.
    wasm.concurrency_support(false);
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        let instances = config.max_instances;
        pool.total_component_instances(instances)
            .total_core_instances(instances * 8)
            .total_memories(instances * 2)
            .total_tables(instances * 8)
            .max_memories_per_component(2)
            .max_tables_per_component(8)
            .max_core_instances_per_component(16)
            .max_memory_size(config.limits.memory_bytes);
        wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    wasm
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Ticker {
    fn start(engine: Engine) -> Arc<Ticker> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("scry-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawning the epoch thread");
        Arc::new(Ticker { stop })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
