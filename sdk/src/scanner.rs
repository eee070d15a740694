//! The `scanner` world: a plugin that reads the files it asked for from one layer and
//! reports packages, distributions or repositories.

#[allow(unsafe_code, missing_docs, clippy::all)]
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "scanner-plugin",
        path: "wit",
        // One binding of the shared records for both worlds (see `crate::types`).
        with: { "scry:plugin/types@0.2.0": crate::types::bindings::scry::plugin::types },
        pub_export_macro: true,
        export_macro_name: "__scry_export_scanner_world",
        default_bindings_module: "scry_sdk::scanner::bindings",
    });
}

pub use crate::config::Config;
pub use crate::types::{
    Distribution, FileError, Identity, Package, PackageKind, Repository, ScannerKind, Setting,
    SourcePackage,
};
pub use bindings::exports::scry::plugin::scanner::{
    Contents, Findings, Guest as __Guest, LayerFile, ScanError, Wants,
};
pub use bindings::scry::plugin::files::Blob;

/// What a scanner plugin implements. The host calls `identify` and `wanted` once when it
/// loads the plugin and `scan` once per layer; `configure` comes first in every
/// instance but the one that asks `identify`.
pub trait Scanner {
    fn identify() -> Identity;
    /// Checks the plugin's configuration block; an `Err` names what is wrong and makes
    /// the host refuse the plugin. The default accepts anything. Read the settings in
    /// `wanted` or `scan` with [`crate::config::current`].
    fn configure(_config: &Config) -> Result<(), String> {
        Ok(())
    }
    fn wanted() -> Wants;
    fn scan(files: Vec<LayerFile>) -> Result<Findings, ScanError>;
}

/// Exports a type implementing [`Scanner`] as the plugin's `scanner` interface.
#[macro_export]
macro_rules! export_scanner {
    ($ty:ident) => {
        impl $crate::scanner::__Guest for $ty {
            fn identify() -> $crate::scanner::Identity {
                <$ty as $crate::scanner::Scanner>::identify()
            }
            fn configure(
                settings: ::std::vec::Vec<$crate::scanner::Setting>,
            ) -> ::std::result::Result<(), ::std::string::String> {
                <$ty as $crate::scanner::Scanner>::configure($crate::config::__keep(settings))
            }
            fn wanted() -> $crate::scanner::Wants {
                <$ty as $crate::scanner::Scanner>::wanted()
            }
            fn scan(
                files: ::std::vec::Vec<$crate::scanner::LayerFile>,
            ) -> ::std::result::Result<$crate::scanner::Findings, $crate::scanner::ScanError> {
                <$ty as $crate::scanner::Scanner>::scan(files)
            }
        }
        // Natively (plugin unit tests) the export symbols cannot link into a cdylib;
        // the bindings are only exported in the wasm build.
        #[cfg(target_arch = "wasm32")]
        $crate::scanner::bindings::__scry_export_scanner_world!($ty with_types_in $crate::scanner::bindings);
    };
}

/// The chunk size [`LayerFile::read_all`] pulls a blob with.
const BLOB_CHUNK: u32 = 1 << 20;

impl LayerFile {
    /// The whole file. For a blob this copies it into the plugin: prefer
    /// [`LayerFile::reader`] for large files.
    pub fn read_all(&self) -> Vec<u8> {
        match &self.contents {
            Contents::Bytes(bytes) => bytes.clone(),
            Contents::Blob(blob) => {
                let mut out = Vec::with_capacity(blob.size() as usize);
                while (out.len() as u64) < blob.size() {
                    let chunk = blob.read_at(out.len() as u64, BLOB_CHUNK);
                    if chunk.is_empty() {
                        break;
                    }
                    out.extend_from_slice(&chunk);
                }
                out
            }
        }
    }

    /// A seekable reader over the file, whichever way it was delivered.
    pub fn reader(&self) -> FileReader<'_> {
        FileReader { file: self, pos: 0 }
    }

    /// The file's name: the last component of its path.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// The directory part of the path, without a trailing slash (empty at the root).
    pub fn dir(&self) -> &str {
        self.path.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("")
    }
}

/// `Read + Seek` over a [`LayerFile`], so zip or ELF readers can work on a blob without
/// copying it whole.
pub struct FileReader<'a> {
    file: &'a LayerFile,
    pos: u64,
}

impl std::io::Read for FileReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match &self.file.contents {
            Contents::Bytes(bytes) => {
                let start = (self.pos as usize).min(bytes.len());
                let n = buf.len().min(bytes.len() - start);
                buf[..n].copy_from_slice(&bytes[start..start + n]);
                n
            }
            Contents::Blob(blob) => {
                let want = buf.len().min(u32::MAX as usize) as u32;
                let chunk = blob.read_at(self.pos, want);
                let n = chunk.len().min(buf.len());
                buf[..n].copy_from_slice(&chunk[..n]);
                n
            }
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for FileReader<'_> {
    fn seek(&mut self, from: std::io::SeekFrom) -> std::io::Result<u64> {
        let size = self.file.size as i128;
        let target = match from {
            std::io::SeekFrom::Start(at) => at as i128,
            std::io::SeekFrom::End(delta) => size + delta as i128,
            std::io::SeekFrom::Current(delta) => self.pos as i128 + delta as i128,
        };
        if target < 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("seek before the start of {}", self.file.path),
            ));
        }
        self.pos = target as u64;
        Ok(self.pos)
    }
}

impl Findings {
    pub fn empty() -> Self {
        Findings {
            packages: Vec::new(),
            distributions: Vec::new(),
            repositories: Vec::new(),
        }
    }
}

impl ScanError {
    /// A `malformed` error for `path`.
    pub fn malformed(path: &str, reason: impl Into<String>) -> Self {
        ScanError::Malformed(FileError {
            path: path.to_string(),
            reason: reason.into(),
        })
    }
}

impl Wants {
    /// Files whose layer-root relative path matches any of `globs`.
    pub fn globs<S: Into<String>>(globs: impl IntoIterator<Item = S>) -> Wants {
        Wants {
            globs: globs.into_iter().map(Into::into).collect(),
            executables: false,
            magic: Vec::new(),
        }
    }

    /// Also every regular file with an execute bit.
    pub fn and_executables(mut self) -> Wants {
        self.executables = true;
        self
    }

    /// Also files whose contents start with `prefix` (e.g. `b"\x7fELF"`).
    pub fn and_magic(mut self, prefix: &[u8]) -> Wants {
        self.magic.push(prefix.to_vec());
        self
    }
}
