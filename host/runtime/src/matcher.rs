//! `matcher` plugins are loaded by the matcher service; the bindings live here so the
//! contract is compiled and checked with the rest of the runtime.

#[allow(dead_code)]
mod bindings {
    wasmtime::component::bindgen!({
        world: "matcher-plugin",
        path: "../../wit",
    });
}
