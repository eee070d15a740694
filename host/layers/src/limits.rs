//! Bounds that keep a hostile layer from using unbounded memory, disk or time.

use std::path::PathBuf;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Per-layer limits. Every one of them ends the layer with an error when passed, except
/// `inline_max` and `memory_budget`, which only decide where a captured file is kept.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Captured files up to this size are kept in memory; larger ones are spooled.
    pub inline_max: u64,
    /// In-memory bytes for captured files of one layer; once spent, files are spooled.
    pub memory_budget: u64,
    /// A wanted file larger than this ends the layer.
    pub max_file_size: u64,
    /// Decompressed bytes one layer may produce (the tar stream, padding included).
    pub max_uncompressed: u64,
    /// Largest decompressed : compressed ratio, checked once the output passes
    /// `ratio_floor`.
    pub max_ratio: u64,
    /// Output below this size is never judged by its ratio: small layers of zeros or
    /// text legitimately compress very well.
    pub ratio_floor: u64,
    /// Tar entries one layer may hold.
    pub max_entries: u64,
    /// Bytes of PAX / GNU long-name headers in front of one entry. tokio-tar holds them
    /// in memory, so they need their own bound.
    pub max_header_bytes: u64,
    /// Where spooled files go (created already unlinked). `None`: `$TMPDIR`, else
    /// `/var/tmp`, which unlike `/tmp` is rarely a RAM-backed tmpfs.
    pub spool_dir: Option<PathBuf>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            inline_max: MIB,
            memory_budget: 256 * MIB,
            // Large Go binaries and fat jars run to hundreds of MiB.
            max_file_size: 2 * GIB,
            // Large ML images have layers of tens of GiB.
            max_uncompressed: 64 * GIB,
            // Deflate cannot exceed about 1032:1, so a real bomb sits near that; real
            // layers stay far below 250:1 once they are past the floor.
            max_ratio: 250,
            ratio_floor: GIB,
            max_entries: 1_000_000,
            max_header_bytes: MIB,
            spool_dir: None,
        }
    }
}

impl Limits {
    pub(crate) fn spool_dir(&self) -> PathBuf {
        match &self.spool_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("TMPDIR")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/var/tmp")),
        }
    }
}
