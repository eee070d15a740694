//! A ≥ 1 GiB layer from real content: the big layer's entries written again and again,
//! each copy after the first under its own top-level directory (`copy-N/`), so every
//! copy's package databases are distinct files that the plugins receive and parse.

use std::{
    fs::File,
    io::{self, BufReader, BufWriter, Write},
    path::{Path, PathBuf},
};

use anyhow::Context as _;
use flate2::{Compression, read::MultiGzDecoder, write::GzEncoder};
use sha2::{Digest as _, Sha256};
use tar::{Archive, Builder, EntryType};

pub struct Generated {
    pub path: PathBuf,
    pub digest: String,
    pub tar_bytes: u64,
    pub compressed_bytes: u64,
    pub copies: u32,
}

/// Writes `out` (gzip) from copies of the gzip layer `source` until the tar holds at
/// least `min_tar_bytes`.
pub fn layer(source: &Path, out: &Path, min_tar_bytes: u64) -> anyhow::Result<Generated> {
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let hashed = Hashing::new(BufWriter::new(file));
    // Level 1: the compression level does not change what the reader holds in memory,
    // and level 6 would make generating 1 GiB several times slower.
    let tar = Counting::new(GzEncoder::new(hashed, Compression::fast()));
    let mut builder = Builder::new(tar);
    let mut copies = 0;
    while builder.get_ref().count < min_tar_bytes {
        let prefix = (copies > 0).then(|| PathBuf::from(format!("copy-{copies}")));
        append_copy(&mut builder, source, prefix.as_deref())
            .with_context(|| format!("copying {} (copy {copies})", source.display()))?;
        copies += 1;
    }
    let tar = builder.into_inner()?;
    let tar_bytes = tar.count;
    let hashed = tar.inner.finish()?;
    let (mut writer, digest, compressed_bytes) = hashed.finish();
    writer.flush()?;
    Ok(Generated {
        path: out.to_path_buf(),
        digest: format!("sha256:{}", hex::encode(digest)),
        tar_bytes,
        compressed_bytes,
        copies,
    })
}

/// Appends every entry of `source`, paths (and hard-link targets, which are paths in
/// the same archive) under `prefix`. Symlink targets stay: they are resolved from the
/// link's own directory or from the root, as in the original.
fn append_copy<W: Write>(
    builder: &mut Builder<W>,
    source: &Path,
    prefix: Option<&Path>,
) -> anyhow::Result<()> {
    let file = File::open(source)?;
    let mut archive = Archive::new(MultiGzDecoder::new(BufReader::new(file)));
    let under = |path: &Path| match prefix {
        Some(prefix) => prefix.join(path),
        None => path.to_path_buf(),
    };
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = under(&entry.path()?);
        let mut header = entry.header().clone();
        match header.entry_type() {
            EntryType::Link => {
                let target = entry.link_name()?.context("hard link without a target")?;
                builder.append_link(&mut header, &path, under(&target))?;
            }
            EntryType::Symlink => {
                let target = entry.link_name()?.context("symlink without a target")?;
                builder.append_link(&mut header, &path, target)?;
            }
            _ => builder.append_data(&mut header, &path, &mut entry)?,
        }
    }
    Ok(())
}

/// Counts the bytes written through it: the uncompressed tar size.
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W> Counting<W> {
    fn new(inner: W) -> Self {
        Counting { inner, count: 0 }
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes and counts the bytes written through it: the blob's digest and size.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    fn finish(self) -> (W, Vec<u8>, u64) {
        (self.inner, self.hasher.finalize().to_vec(), self.count)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
