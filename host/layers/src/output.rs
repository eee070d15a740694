//! What reading a layer yields.

use crate::{Compression, FileData, LinkKind};

/// The files of one layer that plugins asked for, and its whiteouts.
#[derive(Debug, Default)]
pub struct LayerFiles {
    /// In tar order; a link comes where its target was found.
    pub files: Vec<CapturedFile>,
    /// Full normalised paths of `.wh.*` entries (`.wh..wh..opq` included), in tar order.
    pub whiteouts: Vec<String>,
    /// Wanted links whose target this layer could not deliver, sorted by path.
    pub unresolved_links: Vec<UnresolvedLink>,
    pub stats: LayerStats,
}

/// A file delivered to the plugins in `wanted_by`.
#[derive(Debug, Clone)]
pub struct CapturedFile {
    /// Normalised path; for a link, the link's own path.
    pub path: String,
    /// Permission bits (`0o7777` at most); for a link, the target's.
    pub mode: u32,
    pub size: u64,
    pub data: FileData,
    /// Indices of the plugins that asked for it, ascending.
    pub wanted_by: Vec<usize>,
}

/// A wanted link that was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedLink {
    pub path: String,
    pub kind: LinkKind,
    /// Where resolution stopped, layer-root relative: with [`Unresolved::NotInLayer`],
    /// the path to look up in lower layers.
    pub target: String,
    pub reason: Unresolved,
    pub wanted_by: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// The target is not in this layer; it may be in a lower one.
    NotInLayer,
    /// The target came earlier in the stream and nobody wanted it, so its body was
    /// not kept: a single pass cannot go back for it.
    NotCaptured,
    /// The target is a directory or a device.
    NotAFile,
    /// More than 40 links followed (a cycle, most likely).
    TooManyHops,
}

/// Measurements of one layer read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerStats {
    /// Raw bytes read from the source: the blob as stored.
    pub compressed_bytes: u64,
    /// Bytes out of the decompressor (equal to `compressed_bytes` for a plain tar).
    pub uncompressed_bytes: u64,
    /// Tar entries, not counting PAX and GNU extension headers.
    pub entries: u64,
    pub compression: Compression,
    /// Files delivered, links included.
    pub captured_files: u64,
    /// Bodies kept in memory and in temporary files (each body counted once, however
    /// many links deliver it).
    pub inline_bytes: u64,
    pub spooled_bytes: u64,
    /// Wanted links not delivered: the length of [`LayerFiles::unresolved_links`].
    pub unresolved_links: u64,
    /// Wanted hard links to an earlier file whose body was not kept.
    pub unrecoverable_hardlinks: u64,
}
