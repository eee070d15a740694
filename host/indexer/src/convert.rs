//! From the plugin runtime's types to the model's.

use std::sync::Arc;

use scry_layers::{CapturedFile, FileData, SpooledFile};
use scry_model::{Distribution, FoundPackage, Repository, ScannerId, ScannerKind};
use scry_runtime::scanner::PackageKind;
use scry_runtime::{FileSource, PluginContents, PluginFile, ScannerPlugin};

pub fn scanner_id(plugin: &ScannerPlugin) -> ScannerId {
    let kind = match plugin.kind {
        scry_runtime::ScannerKind::Package => ScannerKind::Package,
        scry_runtime::ScannerKind::Distribution => ScannerKind::Distribution,
        scry_runtime::ScannerKind::Repository => ScannerKind::Repository,
    };
    ScannerId {
        name: plugin.name.clone(),
        version: plugin.version.clone(),
        kind,
    }
}

pub fn plugin_file(file: &CapturedFile) -> PluginFile {
    let contents = match &file.data {
        FileData::Inline(bytes) => PluginContents::Inline(bytes.clone()),
        FileData::Spooled(spool) => PluginContents::Handle(Arc::new(Spool(spool.clone()))),
    };
    PluginFile {
        path: file.path.clone(),
        mode: file.mode,
        size: file.size,
        contents,
    }
}

/// Lets a plugin read a spooled file through the `blob` resource.
struct Spool(Arc<SpooledFile>);

impl FileSource for Spool {
    fn size(&self) -> u64 {
        self.0.len()
    }

    fn read_at(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        self.0.read_at(offset, len)
    }
}

pub fn package(found: scry_runtime::scanner::Package) -> FoundPackage {
    FoundPackage {
        name: found.name,
        version: found.version,
        kind: match found.kind {
            PackageKind::Binary => "binary".into(),
            PackageKind::Source => "source".into(),
        },
        source: found.source.map(|source| (source.name, source.version)),
        arch: found.arch,
        module: found.module,
        cpe: found.cpe,
        normalized_version: String::new(),
        package_db: found.package_db,
        file_path: found.file_path,
        repository_hint: found.repository_hint,
    }
}

pub fn distribution(found: scry_runtime::scanner::Distribution) -> Distribution {
    Distribution {
        id: String::new(),
        did: found.did,
        name: found.name,
        version: found.version,
        version_code_name: found.version_code_name,
        version_id: found.version_id,
        arch: found.arch,
        cpe: found.cpe,
        pretty_name: found.pretty_name,
    }
}

pub fn repository(found: scry_runtime::scanner::Repository) -> Repository {
    Repository {
        id: String::new(),
        name: found.name,
        key: found.key,
        uri: found.uri,
        cpe: found.cpe,
    }
}
