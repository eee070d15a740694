//! The scanner world at each WIT version this host runs, behind one enum. Both versions
//! use the shared host records of [`crate::types`].

use wasmtime::Store;
use wasmtime::component::{Component, HasSelf, Linker, Resource};

use super::{BlobHandle, ScanFindings, Wants};
use crate::engine::Runtime;
use crate::state::PluginState;
use crate::types::Identity;
use crate::world::WitVersion;

/// A file as it crosses the boundary, before it takes a version's record type.
pub(super) struct BoundaryFile {
    pub path: String,
    pub mode: u32,
    pub size: u64,
    pub contents: BoundaryContents,
}

pub(super) enum BoundaryContents {
    Bytes(Vec<u8>),
    Blob(Resource<BlobHandle>),
}

/// The parts of a version's bindings that are the same text at every version: the
/// export records to and from host types, and the host's `blob` resource.
macro_rules! boundary {
    () => {
        use self::exports::scry::plugin::scanner as wit;

        pub(super) fn layer_file(file: super::BoundaryFile) -> wit::LayerFile {
            wit::LayerFile {
                path: file.path,
                mode: file.mode,
                size: file.size,
                contents: match file.contents {
                    super::BoundaryContents::Bytes(bytes) => wit::Contents::Bytes(bytes),
                    super::BoundaryContents::Blob(blob) => wit::Contents::Blob(blob),
                },
            }
        }

        pub(super) fn wants(wants: wit::Wants) -> super::Wants {
            super::Wants {
                globs: wants.globs,
                executables: wants.executables,
                magic: wants.magic,
            }
        }

        pub(super) fn findings(
            result: Result<wit::Findings, wit::ScanError>,
        ) -> Result<super::ScanFindings, String> {
            match result {
                Ok(found) => Ok(super::ScanFindings {
                    packages: found.packages,
                    distributions: found.distributions,
                    repositories: found.repositories,
                }),
                Err(wit::ScanError::Malformed(file)) => {
                    Err(format!("malformed file {}: {}", file.path, file.reason))
                }
                Err(wit::ScanError::Unsupported(file)) => {
                    Err(format!("unsupported file {}: {}", file.path, file.reason))
                }
                Err(wit::ScanError::Other(reason)) => Err(reason),
            }
        }

        impl self::scry::plugin::files::Host for crate::state::PluginState {}

        impl self::scry::plugin::files::HostBlob for crate::state::PluginState {
            fn size(&mut self, blob: Resource<super::BlobHandle>) -> u64 {
                self.table
                    .get(&blob)
                    .map(|handle| handle.0.size())
                    .unwrap_or(0)
            }

            fn read_at(
                &mut self,
                blob: Resource<super::BlobHandle>,
                offset: u64,
                len: u32,
            ) -> Vec<u8> {
                let len = len.min(self.max_read_chunk) as usize;
                match self.table.get(&blob) {
                    // A read error on our own spool file is reported to the plugin as end
                    // of file; the plugin then fails on a short file, naming it.
                    Ok(handle) => handle.0.read_at(offset, len).unwrap_or_default(),
                    Err(_) => Vec::new(),
                }
            }

            fn drop(&mut self, blob: Resource<super::BlobHandle>) -> wasmtime::Result<()> {
                self.table.delete(blob)?;
                Ok(())
            }
        }
    };
}

pub(super) mod v0_2 {
    use wasmtime::component::Resource;

    wasmtime::component::bindgen!({
        world: "scanner-plugin",
        path: "../../sdk/wit",
        with: {
            "scry:plugin/files.blob": crate::scanner::BlobHandle,
            "scry:plugin/types": crate::types::scry::plugin::types,
        },
    });
    boundary!();
}

pub(super) mod v0_1 {
    use wasmtime::component::Resource;

    wasmtime::component::bindgen!({
        world: "scanner-plugin",
        path: "../../sdk/wit-archive/0.1.0",
        with: {
            "scry:plugin/files.blob": crate::scanner::BlobHandle,
            "scry:plugin/types": crate::types::scry::plugin::types,
        },
    });
    boundary!();
}

versioned_world!(ScannerPlugin, ScannerPluginPre, scry_plugin_scanner);

impl Pre {
    pub(super) fn new(
        runtime: &Runtime,
        component: &Component,
        version: WitVersion,
    ) -> wasmtime::Result<Pre> {
        let mut linker = Linker::<PluginState>::new(&runtime.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        Ok(match version {
            WitVersion::V0_1 => {
                v0_1::ScannerPlugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
                let pre = linker.instantiate_pre(component)?;
                Pre::V0_1(v0_1::ScannerPluginPre::new(pre)?)
            }
            WitVersion::V0_2 => {
                v0_2::ScannerPlugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
                let pre = linker.instantiate_pre(component)?;
                Pre::V0_2(v0_2::ScannerPluginPre::new(pre)?)
            }
        })
    }
}

impl Instance {
    pub(super) fn identify(&self, store: &mut Store<PluginState>) -> wasmtime::Result<Identity> {
        each_version!(self, |plugin, _v| plugin
            .scry_plugin_scanner()
            .call_identify(store))
    }

    pub(super) fn wanted(&self, store: &mut Store<PluginState>) -> wasmtime::Result<Wants> {
        each_version!(self, |plugin, v| {
            let wanted = plugin.scry_plugin_scanner().call_wanted(store)?;
            Ok(v::wants(wanted))
        })
    }

    pub(super) fn scan(
        &self,
        store: &mut Store<PluginState>,
        files: Vec<BoundaryFile>,
    ) -> wasmtime::Result<Result<ScanFindings, String>> {
        each_version!(self, |plugin, v| {
            let files: Vec<_> = files.into_iter().map(v::layer_file).collect();
            let result = plugin.scry_plugin_scanner().call_scan(store, &files)?;
            Ok(v::findings(result))
        })
    }
}
