//! The benchmark layer built by `scripts/fixtures.sh --big`: one tar, stored gzip- and
//! zstd-compressed.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{Context as _, bail};
use scry_layers::{Layer, LayerSource};
use sha2::{Digest as _, Sha256};

/// Below this the layer is too small for steady-state figures (and not the fixture).
const MIN_TAR_BYTES: u64 = 200_000_000;

pub struct BigLayers {
    /// Size of the uncompressed tar, from big/layer.tar.size.
    pub tar_bytes: u64,
    /// gzip first, then zstd.
    pub layers: Vec<BigLayer>,
}

pub struct BigLayer {
    /// `gzip` or `zstd`.
    pub compression: &'static str,
    pub path: PathBuf,
    pub compressed_bytes: u64,
    pub layer: Layer,
}

impl BigLayers {
    pub fn find(fixtures: &Path) -> anyhow::Result<BigLayers> {
        let dir = fixtures.join("big");
        let size_file = dir.join("layer.tar.size");
        let tar_bytes: u64 = fs::read_to_string(&size_file)
            .with_context(|| {
                format!(
                    "reading {} (build it with `scripts/fixtures.sh --big`)",
                    size_file.display()
                )
            })?
            .trim()
            .parse()
            .with_context(|| format!("parsing {}", size_file.display()))?;
        if tar_bytes < MIN_TAR_BYTES {
            bail!(
                "{}: {tar_bytes} bytes, want ≥ {MIN_TAR_BYTES}",
                size_file.display()
            );
        }
        let mut layers = Vec::new();
        for (compression, file) in [("gzip", "layer.tar.gz"), ("zstd", "layer.tar.zst")] {
            let path = dir.join(file);
            eprintln!("layer-throughput: hashing {}", path.display());
            let (digest, compressed_bytes) = sha256_file(&path)?;
            let layer = Layer {
                digest,
                source: LayerSource::File(path.clone()),
            };
            layers.push(BigLayer {
                compression,
                path,
                compressed_bytes,
                layer,
            });
        }
        Ok(BigLayers { tar_bytes, layers })
    }
}

/// `sha256:<hex>` of a file, and its length: the digest a registry would declare.
pub fn sha256_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let len = std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok((format!("sha256:{}", hex::encode(hasher.finalize())), len))
}
