//! The records every world and WIT version shares (`scry:plugin/types`), bound once:
//! scanners and matchers of 0.1.0 and 0.2.0 all use these host types. 0.1.0's records
//! are 0.2.0's minus `setting`, and wasmtime checks record types by shape, not by name.

wasmtime::component::bindgen!({
    inline: "
        package scry:host-types;
        world shared-types { import scry:plugin/types@0.2.0; }
    ",
    path: "../../sdk/wit",
    world: "scry:host-types/shared-types",
});

pub use scry::plugin::types::*;

impl scry::plugin::types::Host for crate::state::PluginState {}
