//! What a plugin's `Store` holds: an empty WASI context and the memory limiter.

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub struct PluginState {
    wasi: WasiCtx,
    pub table: ResourceTable,
    pub limiter: MemoryCap,
    pub max_read_chunk: u32,
}

impl PluginState {
    pub fn new(memory_bytes: usize, max_read_chunk: u32) -> Self {
        // A std guest imports WASI even when it uses none of it. This context grants
        // nothing: no preopened directories, no environment, no arguments, no network,
        // stdio closed.
        let wasi = WasiCtx::builder()
            .allow_blocking_current_thread(false)
            .build();
        PluginState {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryCap {
                cap: memory_bytes,
                exceeded: false,
            },
            max_read_chunk,
        }
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Refuses memory growth past `cap` and remembers that it did, so the resulting trap can
/// be reported as a memory-cap failure rather than a generic one.
pub struct MemoryCap {
    pub cap: usize,
    pub exceeded: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.cap {
            self.exceeded = true;
            return Err(wasmtime::Error::msg(format!(
                "memory growth to {desired} bytes refused (cap {})",
                self.cap
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}
