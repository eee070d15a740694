//! Loading and calling `scanner` plugins.

use std::sync::Arc;

use crate::cache::content_hash;
use crate::call::Call;
use crate::config::{Settings, unconfigurable};
use crate::engine::Runtime;
use crate::error::{PluginError, PluginFailure};
use crate::world::{self, WitVersion, World};

mod versions;

pub use crate::types::{
    Distribution, Package, PackageKind, Repository, ScannerKind, SourcePackage,
};
use versions::{BoundaryContents, BoundaryFile, Pre};

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
    pre: Pre,
    /// Handed to `configure` at the start of every call instance (0.2.0 and later).
    settings: Arc<Settings>,
    runtime: Runtime,
}

impl ScannerPlugin {
    /// [`ScannerPlugin::load_configured`] with the block the runtime's
    /// [`crate::PluginBlocks`] keep for the plugin's name and kind (none: no settings); a
    /// rejection names the block's key.
    pub fn load(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<ScannerPlugin, PluginError> {
        crate::config::naming_key(|pick| {
            Self::load_configured(runtime, label, wasm, |name, kind| {
                pick(runtime.blocks.scanner(name, kind))
            })
        })
    }

    /// Compiles (or loads precompiled) `wasm`, asks who it is (unconfigured), then
    /// configures it with `settings_for(name, kind)` — the block the caller keeps for a
    /// scanner of that name and kind — and asks what it wants. `label` names the plugin
    /// in errors until it has told its name. A plugin that rejects its settings, or one
    /// built for WIT 0.1.0 given any, fails with [`PluginFailure::Config`].
    pub fn load_configured(
        runtime: &Runtime,
        label: &str,
        wasm: &[u8],
        settings_for: impl FnOnce(&str, ScannerKind) -> Settings,
    ) -> Result<ScannerPlugin, PluginError> {
        let invalid = |err: wasmtime::Error| {
            PluginError::new(label, PluginFailure::Invalid(format!("{err:#}")))
        };
        // Checked before linking, so another WIT version or world is refused by name.
        let (component, wit_version) = world::component_for(runtime, label, wasm, World::Scanner)?;
        let pre = Pre::new(runtime, &component, wit_version).map_err(invalid)?;

        let deadline = runtime.limits.load_deadline;
        // Identity never depends on configuration: asked in an instance of its own.
        let identity = Call::unconfigured(runtime, label, &pre, deadline)?
            .run(|plugin, store| plugin.identify(store))?;
        if identity.name.trim().is_empty() || identity.version.trim().is_empty() {
            return Err(PluginError::new(
                label,
                PluginFailure::Garbage("identify returned an empty name or version".into()),
            ));
        }
        let settings = settings_for(&identity.name, identity.kind);
        if wit_version == WitVersion::V0_1
            && let Some(why) = unconfigurable(wit_version.as_str(), &settings)
        {
            return Err(PluginError::new(&identity.name, PluginFailure::Config(why)));
        }
        let wanted = Call::configured(runtime, &identity.name, &pre, deadline, &settings)?
            .run(|plugin, store| plugin.wanted(store))?;
        Ok(ScannerPlugin {
            name: identity.name,
            version: identity.version,
            kind: identity.kind,
            wants: wanted,
            content_hash: content_hash(wasm),
            pre,
            settings: Arc::new(settings),
            runtime: runtime.clone(),
        })
    }

    /// The WIT version the component was built for.
    pub fn wit_version(&self) -> WitVersion {
        self.pre.version()
    }

    /// The configuration block every call instance is configured with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs one scan in a fresh, configured store. Blocking: call from a
    /// blocking-friendly thread.
    pub fn scan(&self, files: Vec<PluginFile>) -> Result<ScanFindings, PluginError> {
        let limits = &self.runtime.limits;
        let mut call = Call::configured(
            &self.runtime,
            &self.name,
            &self.pre,
            limits.scan_deadline,
            &self.settings,
        )?;
        let mut boundary_files = Vec::with_capacity(files.len());
        for file in files {
            let contents = match file.contents {
                PluginContents::Inline(bytes) => BoundaryContents::Bytes(bytes.to_vec()),
                PluginContents::Handle(source) => {
                    let handle = call
                        .store
                        .data_mut()
                        .table
                        .push(BlobHandle(source))
                        .map_err(|err| {
                            PluginError::new(&self.name, PluginFailure::Trap(err.to_string()))
                        })?;
                    BoundaryContents::Blob(handle)
                }
            };
            boundary_files.push(BoundaryFile {
                path: file.path,
                mode: file.mode,
                size: file.size,
                contents,
            });
        }
        let findings = call
            .run(|plugin, store| plugin.scan(store, boundary_files))?
            .map_err(|why| PluginError::new(&self.name, PluginFailure::ScanFailed(why)))?;
        check_output(&findings, limits).map_err(|failure| PluginError::new(&self.name, failure))?;
        Ok(findings)
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
