//! Reads a container image layer once, as a stream, and hands each scanner plugin the
//! files it asked for.
//!
//! ```text
//! source ─▶ sha256/512 of the raw bytes ─▶ gzip | zstd | plain (by magic bytes)
//!        ─▶ size and ratio limits ─▶ tar walk ─▶ router ─▶ memory or unlinked temp file
//! ```
//!
//! Nothing is extracted to disk and the layer is never held whole: memory is bounded
//! by [`Limits`] whatever the input. After the tar's end the rest of the blob is still
//! read, so the digest covers every byte; on a mismatch no files are returned.
//!
//! # Layout
//! - `source.rs`: file, file range and HTTP sources; URL redaction.
//! - `digest.rs`: the declared digest, and the hashing reader.
//! - `decompress.rs`: compression detection and decoders.
//! - `guard.rs`: shared counters, size limits, and fault recording.
//! - `pipeline.rs`: assembling the stream, the final drain and digest check.
//! - `walk.rs`: the tar walk; `route.rs`: which plugin wants what;
//!   `links.rs`: symlinks and hard links; `spool.rs`: where bodies are kept;
//!   `path.rs`: path normalisation and whiteouts.
//!
//! # Links
//! A wanted symlink or hard link is delivered under its own path with its target's
//! bytes, when the target is a regular file of the same layer (chains followed, at
//! most 40 hops). A target later in the stream is captured when it arrives. A target
//! *earlier* in the stream that no plugin wanted was read past, and one pass cannot go
//! back: such links are listed in [`LayerFiles::unresolved_links`] (hard links are
//! also counted in [`LayerStats::unrecoverable_hardlinks`]), as are links whose target
//! is in no entry of this layer, with the path to look up in lower layers. Symlinks are
//! routed by their path only; hard links, whose target is the same file, also by the
//! target's mode and first bytes.

mod decompress;
mod digest;
mod error;
mod guard;
mod limits;
mod links;
mod output;
mod path;
mod pipeline;
mod route;
mod source;
mod spool;
mod walk;

pub use decompress::Compression;
pub use error::{BadGlob, LayerError, Place};
pub use limits::Limits;
pub use links::LinkKind;
pub use output::{CapturedFile, LayerFiles, LayerStats, Unresolved, UnresolvedLink};
pub use route::{FileWants, Router};
pub use source::{Layer, LayerSource};
pub use spool::{FileData, SpooledFile};

/// Reads `layer` and returns the files `router`'s plugins asked for.
///
/// `progress` is called with the raw bytes read so far, about once per MiB and once at
/// the end. `http` is used only for [`LayerSource::Http`].
pub async fn read_layer(
    layer: &Layer,
    router: &Router,
    limits: &Limits,
    http: &reqwest::Client,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<LayerFiles, LayerError> {
    let (stream, context) = pipeline::open(layer, limits, http, progress).await?;
    let (stream, walker) = walk::walk(stream, &context, Some(router), limits).await?;
    pipeline::finish(stream, &context).await?;
    let mut files = walker.finish();
    fill_stream_stats(&mut files.stats, &context);
    tracing::debug!(layer = %layer.digest, stats = ?files.stats, "layer read");
    Ok(files)
}

/// The benchmark baseline: the same stream as [`read_layer`] (source, hashing,
/// decompression, limits, tar walk, every body read, digest check) with no routing,
/// link tracking or capture. The difference between the two is the cost of routing.
pub async fn walk_only(
    layer: &Layer,
    limits: &Limits,
    http: &reqwest::Client,
) -> Result<LayerStats, LayerError> {
    let (stream, context) = pipeline::open(layer, limits, http, &|_| {}).await?;
    let (stream, walker) = walk::walk(stream, &context, None, limits).await?;
    pipeline::finish(stream, &context).await?;
    let mut stats = walker.finish().stats;
    fill_stream_stats(&mut stats, &context);
    Ok(stats)
}

fn fill_stream_stats(stats: &mut LayerStats, context: &pipeline::Context) {
    stats.compressed_bytes = context.gauge.compressed();
    stats.uncompressed_bytes = context.gauge.uncompressed();
    stats.compression = context.compression;
}
