//! Builds real layers with real tar, gzip and zstd writers, and reads them back.
#![allow(dead_code)] // each test binary uses a different part

use std::{
    io::{self, Write as _},
    path::PathBuf,
};

use flate2::{Compression as GzLevel, write::GzEncoder};
use scry_layers::{
    FileData, FileWants, Layer, LayerError, LayerFiles, LayerSource, Limits, Router, read_layer,
};
use sha2::{Digest as _, Sha256};
use tar::{Builder, EntryType, Header};

/// One tar entry to write.
pub enum Item {
    File(&'static str, u32, Vec<u8>),
    Dir(&'static str),
    Symlink(&'static str, &'static str),
    Hardlink(&'static str, &'static str),
}

pub use Item::*;

pub fn file(path: &'static str, body: &[u8]) -> Item {
    File(path, 0o644, body.to_vec())
}

/// A plain tar with GNU headers (long names become GNU long-name entries).
pub fn tar(items: &[Item]) -> Vec<u8> {
    let mut builder = Builder::new(Vec::new());
    append(&mut builder, items);
    builder.into_inner().unwrap()
}

pub fn append<W: io::Write>(builder: &mut Builder<W>, items: &[Item]) {
    for item in items {
        let mut header = Header::new_gnu();
        header.set_mtime(1_700_000_000);
        match item {
            File(path, mode, body) => {
                header.set_entry_type(EntryType::Regular);
                header.set_mode(*mode);
                header.set_size(body.len() as u64);
                builder.append_data(&mut header, path, &body[..]).unwrap();
            }
            Dir(path) => {
                header.set_entry_type(EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                builder.append_data(&mut header, path, io::empty()).unwrap();
            }
            Symlink(path, target) | Hardlink(path, target) => {
                let kind = if matches!(item, Symlink(..)) {
                    EntryType::Symlink
                } else {
                    EntryType::Link
                };
                header.set_entry_type(kind);
                header.set_mode(0o777);
                header.set_size(0);
                builder.append_link(&mut header, path, target).unwrap();
            }
        }
    }
}

/// An entry whose name bytes are written into the header as given, bypassing the
/// tar crate's own path checks and clean-up.
pub fn raw_entry<W: io::Write>(
    builder: &mut Builder<W>,
    name: &[u8],
    kind: EntryType,
    body: &[u8],
) {
    let mut header = Header::new_gnu();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_entry_type(kind);
    header.set_mode(0o644);
    header.set_size(body.len() as u64);
    header.set_mtime(1_700_000_000);
    header.set_cksum();
    builder.append(&header, body).unwrap();
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), GzLevel::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A blob on disk, with its temporary directory.
pub struct Blob {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub layer: Layer,
}

pub fn store(blob: &[u8]) -> Blob {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layer");
    std::fs::write(&path, blob).unwrap();
    let layer = Layer {
        digest: sha256(blob),
        source: LayerSource::File(path.clone()),
    };
    Blob { dir, path, layer }
}

pub fn globs(globs: &[&str]) -> FileWants {
    FileWants {
        globs: globs.iter().map(|glob| glob.to_string()).collect(),
        ..FileWants::default()
    }
}

pub fn router(wants: &[FileWants]) -> Router {
    Router::new(wants).unwrap()
}

pub async fn read(blob: &[u8], wants: &[FileWants]) -> Result<LayerFiles, LayerError> {
    read_with(blob, wants, &Limits::default()).await
}

pub async fn read_with(
    blob: &[u8],
    wants: &[FileWants],
    limits: &Limits,
) -> Result<LayerFiles, LayerError> {
    let stored = store(blob);
    read_layer(
        &stored.layer,
        &router(wants),
        limits,
        &reqwest::Client::new(),
        &|_| {},
    )
    .await
}

pub fn contents(data: &FileData) -> Vec<u8> {
    data.read_at(0, data.len() as usize).unwrap()
}

/// `(path, contents, wanted_by)` of every captured file, in order.
pub fn summary(files: &LayerFiles) -> Vec<(String, Vec<u8>, Vec<usize>)> {
    files
        .files
        .iter()
        .map(|f| (f.path.clone(), contents(&f.data), f.wanted_by.clone()))
        .collect()
}

pub fn paths(files: &LayerFiles) -> Vec<&str> {
    files.files.iter().map(|f| f.path.as_str()).collect()
}
