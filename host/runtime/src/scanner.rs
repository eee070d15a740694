//! Loading and calling `scanner` plugins.

use std::sync::Arc;

use wasmtime::component::{Linker, Resource};
use wasmtime::{Store, Trap};

use crate::cache::content_hash;
use crate::engine::Runtime;
use crate::error::{PluginError, PluginFailure};
use crate::state::PluginState;
use crate::world::{self, World};

mod bindings {
    wasmtime::component::bindgen!({
        world: "scanner-plugin",
        path: "../../wit",
        with: { "scry:plugin/files.blob": super::BlobHandle },
    });
}

use bindings::exports::scry::plugin::scanner as wit;
pub use bindings::scry::plugin::types::{
    Distribution, Package, PackageKind, Repository, ScannerKind, SourcePackage,
};

/// Random access to a large file the host keeps (a spooled temp file).
pub trait FileSource: Send + Sync {
    fn size(&self) -> u64;
    fn read_at(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>>;
}

pub enum PluginContents {
    Inline(Arc<[u8]>),
    Handle(Arc<dyn FileSource>),
}

/// One file handed to a plugin.
pub struct PluginFile {
    pub path: String,
    pub mode: u32,
    pub size: u64,
    pub contents: PluginContents,
}

/// What a scan found, as plain host types.
#[derive(Clone, Debug, Default)]
pub struct ScanFindings {
    pub packages: Vec<Package>,
    pub distributions: Vec<Distribution>,
    pub repositories: Vec<Repository>,
}

/// The host side of the `blob` resource.
pub struct BlobHandle(Arc<dyn FileSource>);

/// Which files a scanner asked for.
#[derive(Clone, Debug)]
pub struct Wants {
    pub globs: Vec<String>,
    pub executables: bool,
    pub magic: Vec<Vec<u8>>,
}

/// A loaded, validated scanner plugin, ready to instantiate per layer.
#[derive(Clone)]
pub struct ScannerPlugin {
    pub name: String,
    pub version: String,
    pub kind: ScannerKind,
    pub wants: Wants,
    /// Hex sha256 of the component bytes.
    pub content_hash: String,
    pre: bindings::ScannerPluginPre<PluginState>,
    runtime: Runtime,
}

impl ScannerPlugin {
    /// Compiles (or loads precompiled) `wasm`, instantiates it once and asks who it is and
    /// what it wants. `label` names the plugin in errors until it has told its name.
    pub fn load(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<ScannerPlugin, PluginError> {
        let invalid = |err: wasmtime::Error| {
            PluginError::new(label, PluginFailure::Invalid(format!("{err:#}")))
        };
        // Checked before linking, so another WIT version or world is refused by name.
        let component = world::component_for(runtime, label, wasm, World::Scanner)?;
        let mut linker = Linker::<PluginState>::new(&runtime.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(invalid)?;
        bindings::ScannerPlugin::add_to_linker::<_, wasmtime::component::HasSelf<_>>(
            &mut linker,
            |state| state,
        )
        .map_err(invalid)?;
        let instance_pre = linker.instantiate_pre(&component).map_err(invalid)?;
        let pre = bindings::ScannerPluginPre::new(instance_pre).map_err(invalid)?;

        let limits = runtime.limits.clone();
        let mut call = Call::new(runtime, label, &pre, limits.load_deadline)?;
        let identity = call.run(|plugin, store| plugin.call_identify(store))?;
        let wanted = call.run(|plugin, store| plugin.call_wanted(store))?;
        if identity.name.trim().is_empty() || identity.version.trim().is_empty() {
            return Err(PluginError::new(
                label,
                PluginFailure::Garbage("identify returned an empty name or version".into()),
            ));
        }
        Ok(ScannerPlugin {
            name: identity.name,
            version: identity.version,
            kind: identity.kind,
            wants: Wants {
                globs: wanted.globs,
                executables: wanted.executables,
                magic: wanted.magic,
            },
            content_hash: content_hash(wasm),
            pre,
            runtime: runtime.clone(),
        })
    }

    /// Runs one scan in a fresh store. Blocking: call from a blocking-friendly thread.
    pub fn scan(&self, files: Vec<PluginFile>) -> Result<ScanFindings, PluginError> {
        let limits = &self.runtime.limits;
        let mut call = Call::new(&self.runtime, &self.name, &self.pre, limits.scan_deadline)?;
        let mut wit_files = Vec::with_capacity(files.len());
        for file in files {
            let contents = match file.contents {
                PluginContents::Inline(bytes) => wit::Contents::Bytes(bytes.to_vec()),
                PluginContents::Handle(source) => {
                    let handle = call
                        .store
                        .data_mut()
                        .table
                        .push(BlobHandle(source))
                        .map_err(|err| {
                            PluginError::new(&self.name, PluginFailure::Trap(err.to_string()))
                        })?;
                    wit::Contents::Blob(handle)
                }
            };
            wit_files.push(wit::LayerFile {
                path: file.path,
                mode: file.mode,
                size: file.size,
                contents,
            });
        }
        let result = call.run(|plugin, store| plugin.call_scan(store, &wit_files))?;
        let findings = result.map_err(|err| {
            PluginError::new(
                &self.name,
                PluginFailure::ScanFailed(describe_scan_error(err)),
            )
        })?;
        let findings = ScanFindings {
            packages: findings.packages,
            distributions: findings.distributions,
            repositories: findings.repositories,
        };
        check_output(&findings, limits).map_err(|failure| PluginError::new(&self.name, failure))?;
        Ok(findings)
    }
}

fn describe_scan_error(err: wit::ScanError) -> String {
    match err {
        wit::ScanError::Malformed(file) => format!("malformed file {}: {}", file.path, file.reason),
        wit::ScanError::Unsupported(file) => {
            format!("unsupported file {}: {}", file.path, file.reason)
        }
        wit::ScanError::Other(reason) => reason,
    }
}

/// Output caps and the contract's minimum: everything found has a name.
fn check_output(
    findings: &ScanFindings,
    limits: &crate::PluginLimits,
) -> Result<(), PluginFailure> {
    let records =
        findings.packages.len() + findings.distributions.len() + findings.repositories.len();
    if records > limits.max_records {
        return Err(PluginFailure::OutputTooLarge(format!(
            "{records} records, cap {}",
            limits.max_records
        )));
    }
    let bytes: usize = findings.packages.iter().map(package_bytes).sum::<usize>()
        + findings
            .distributions
            .iter()
            .map(distribution_bytes)
            .sum::<usize>()
        + findings
            .repositories
            .iter()
            .map(|r| r.name.len() + r.key.len() + r.uri.len() + r.cpe.len())
            .sum::<usize>();
    if bytes > limits.max_output_bytes {
        return Err(PluginFailure::OutputTooLarge(format!(
            "{bytes} bytes of strings, cap {}",
            limits.max_output_bytes
        )));
    }
    if let Some(package) = findings.packages.iter().find(|p| p.name.trim().is_empty()) {
        return Err(PluginFailure::Garbage(format!(
            "a package with an empty name (version {:?}, db {:?})",
            package.version, package.package_db
        )));
    }
    if findings
        .distributions
        .iter()
        .any(|d| d.did.is_empty() && d.name.is_empty())
    {
        return Err(PluginFailure::Garbage(
            "a distribution with neither did nor name".into(),
        ));
    }
    Ok(())
}

fn package_bytes(p: &Package) -> usize {
    let source = p
        .source
        .as_ref()
        .map(|s| s.name.len() + s.version.len())
        .unwrap_or(0);
    p.name.len()
        + p.version.len()
        + p.arch.len()
        + p.package_db.len()
        + p.file_path.len()
        + p.module.len()
        + p.cpe.len()
        + p.repository_hint.len()
        + source
}

fn distribution_bytes(d: &Distribution) -> usize {
    d.did.len()
        + d.name.len()
        + d.version.len()
        + d.version_code_name.len()
        + d.version_id.len()
        + d.arch.len()
        + d.cpe.len()
        + d.pretty_name.len()
}

/// One instance in one fresh store, with the deadline re-armed before every call.
struct Call<'a> {
    plugin: &'a str,
    store: Store<PluginState>,
    instance: bindings::ScannerPlugin,
    deadline: std::time::Duration,
}

impl<'a> Call<'a> {
    fn new(
        runtime: &Runtime,
        plugin: &'a str,
        pre: &bindings::ScannerPluginPre<PluginState>,
        deadline: std::time::Duration,
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

    fn run<T>(
        &mut self,
        f: impl FnOnce(&wit::Guest, &mut Store<PluginState>) -> wasmtime::Result<T>,
    ) -> Result<T, PluginError> {
        self.store
            .set_epoch_deadline(Runtime::deadline_ticks(self.deadline));
        let guest = self.instance.scry_plugin_scanner();
        f(guest, &mut self.store)
            .map_err(|err| classify(self.plugin, &self.store, self.deadline, err))
    }
}

/// Turns a wasmtime error into the failure a user can act on.
pub(crate) fn classify(
    plugin: &str,
    store: &Store<PluginState>,
    deadline: std::time::Duration,
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

impl bindings::scry::plugin::types::Host for PluginState {}
impl bindings::scry::plugin::files::Host for PluginState {}

impl bindings::scry::plugin::files::HostBlob for PluginState {
    fn size(&mut self, blob: Resource<BlobHandle>) -> u64 {
        self.table
            .get(&blob)
            .map(|handle| handle.0.size())
            .unwrap_or(0)
    }

    fn read_at(&mut self, blob: Resource<BlobHandle>, offset: u64, len: u32) -> Vec<u8> {
        let len = len.min(self.max_read_chunk) as usize;
        match self.table.get(&blob) {
            // A read error on our own spool file is reported to the plugin as end of
            // file; the plugin then fails on a short file, naming it.
            Ok(handle) => handle.0.read_at(offset, len).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    fn drop(&mut self, blob: Resource<BlobHandle>) -> wasmtime::Result<()> {
        self.table.delete(blob)?;
        Ok(())
    }
}
