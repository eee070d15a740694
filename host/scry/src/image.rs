//! What `scry scan` accepts: an OCI image layout directory, a `docker save` archive, or
//! a single layer tarball. Each becomes a manifest digest plus layers that point into
//! the local files, so every layer is still streamed exactly once.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use scry_layers::{Layer, LayerSource};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

pub struct Image {
    pub manifest_hash: String,
    pub layers: Vec<Layer>,
}

pub fn open(path: &Path) -> anyhow::Result<Image> {
    if path.is_dir() {
        if path.join("index.json").is_file() && path.join("oci-layout").is_file() {
            return oci_layout(path);
        }
        bail!(
            "{} is a directory but not an OCI image layout (no oci-layout and index.json)",
            path.display()
        );
    }
    if let Some(image) = docker_archive(path)? {
        return Ok(image);
    }
    single_layer(path)
}

#[derive(Deserialize)]
struct OciIndex {
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    architecture: String,
    os: String,
}

#[derive(Deserialize)]
struct OciManifest {
    layers: Vec<Descriptor>,
}

fn oci_layout(dir: &Path) -> anyhow::Result<Image> {
    let mut index: OciIndex = read_json(&dir.join("index.json"))?;
    // An image index (multi-platform) nests another index: pick this machine's platform.
    loop {
        let chosen = pick_manifest(&index.manifests)
            .ok_or_else(|| anyhow!("{}: index.json lists no manifests", dir.display()))?;
        let blob = blob_path(dir, &chosen.digest)?;
        if chosen.media_type.contains("index") {
            index = read_json(&blob)?;
            continue;
        }
        let manifest: OciManifest = read_json(&blob)?;
        let layers = manifest
            .layers
            .iter()
            .map(|layer| {
                Ok(Layer {
                    digest: layer.digest.clone(),
                    source: LayerSource::File(blob_path(dir, &layer.digest)?),
                })
            })
            .collect::<anyhow::Result<_>>()?;
        return Ok(Image {
            manifest_hash: chosen.digest.clone(),
            layers,
        });
    }
}

fn pick_manifest(manifests: &[Descriptor]) -> Option<&Descriptor> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    manifests
        .iter()
        .find(|m| {
            m.platform
                .as_ref()
                .is_some_and(|p| p.os == "linux" && p.architecture == arch)
        })
        .or_else(|| manifests.first())
}

fn blob_path(dir: &Path, digest: &str) -> anyhow::Result<PathBuf> {
    let (algo, hex) = digest
        .split_once(':')
        .ok_or_else(|| anyhow!("bad digest {digest:?} in {}", dir.display()))?;
    if hex.contains('/') || algo.contains('/') {
        bail!("bad digest {digest:?} in {}", dir.display());
    }
    Ok(dir.join("blobs").join(algo).join(hex))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    serde_json::from_reader(BufReader::new(file))
        .with_context(|| format!("parsing {}", path.display()))
}

#[derive(Deserialize)]
struct ArchiveEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

#[derive(Deserialize)]
struct ImageConfig {
    rootfs: RootFs,
}

#[derive(Deserialize)]
struct RootFs {
    diff_ids: Vec<String>,
}

/// A `docker save` / `docker-archive` tarball: `manifest.json` names the config and the
/// layer files inside the archive. Layers are read in place, at their offsets.
fn docker_archive(path: &Path) -> anyhow::Result<Option<Image>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut archive = tar::Archive::new(BufReader::new(file));
    let mut members = std::collections::HashMap::new();
    let mut manifest_json = None;
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(_) => return Ok(None),
    };
    for entry in entries {
        let Ok(mut entry) = entry else {
            return Ok(None);
        };
        let name = entry
            .path()?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        if name == "manifest.json" {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            manifest_json = Some(text);
        } else if name.ends_with(".json") && !name.contains('/')
            || name.starts_with("blobs/") && entry.size() < 1 << 20
        {
            // Small members may be the config; keep them for lookup.
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes)?;
            members.insert(
                name.clone(),
                (entry.raw_file_position(), entry.size(), Some(bytes)),
            );
            continue;
        }
        members.insert(name, (entry.raw_file_position(), entry.size(), None));
    }
    let Some(manifest_json) = manifest_json else {
        return Ok(None);
    };
    let entries: Vec<ArchiveEntry> = serde_json::from_str(&manifest_json)
        .with_context(|| format!("parsing manifest.json in {}", path.display()))?;
    let entry = entries
        .first()
        .ok_or_else(|| anyhow!("{}: manifest.json lists no images", path.display()))?;
    let config_bytes = members
        .get(&entry.config)
        .and_then(|(_, _, bytes)| bytes.clone())
        .ok_or_else(|| {
            anyhow!(
                "{}: config {} not found in the archive",
                path.display(),
                entry.config
            )
        })?;
    let config: ImageConfig = serde_json::from_slice(&config_bytes)
        .with_context(|| format!("parsing {} in {}", entry.config, path.display()))?;
    let mut layers = Vec::new();
    for (index, name) in entry.layers.iter().enumerate() {
        let (offset, len, _) = members
            .get(name.as_str())
            .ok_or_else(|| anyhow!("{}: layer {name} not found in the archive", path.display()))?;
        // Archive layers are stored uncompressed, so the diff id is the blob's digest;
        // an OCI-style name `blobs/sha256/<hex>` says so directly.
        let digest = match name.strip_prefix("blobs/sha256/") {
            Some(hex) => format!("sha256:{hex}"),
            None => config.rootfs.diff_ids.get(index).cloned().ok_or_else(|| {
                anyhow!("{}: config has no diff id for layer {name}", path.display())
            })?,
        };
        layers.push(Layer {
            digest,
            source: LayerSource::FileRange {
                path: path.to_path_buf(),
                offset: *offset,
                len: *len,
            },
        });
    }
    Ok(Some(Image {
        manifest_hash: format!("sha256:{}", hex::encode(Sha256::digest(config_bytes))),
        layers,
    }))
}

/// A lone layer tarball (`.tar`, `.tar.gz`, `.tar.zst`): its digest is computed first so
/// the layer read can verify it like any other.
fn single_layer(path: &Path) -> anyhow::Result<Image> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("reading {}", path.display()))?;
    let digest = format!("sha256:{}", hex::encode(hasher.finalize()));
    Ok(Image {
        manifest_hash: digest.clone(),
        layers: vec![Layer {
            digest,
            source: LayerSource::File(path.to_path_buf()),
        }],
    })
}
