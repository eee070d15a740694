//! Peak RSS of the full pipeline over a generated ≥ 1 GiB layer, measured in a child
//! process (this binary's hidden `rss` sub-command) that does nothing else.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Instant,
};

use anyhow::{Context as _, bail};
use scry_benches::memory;
use scry_layers::{Layer, LayerSource};
use serde::{Deserialize, Serialize};

use crate::generate;

/// What the child reports on stdout, as one JSON line.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChildReport {
    /// `VmHWM` once the plugins are loaded, before the layer is read.
    pub peak_after_load: u64,
    /// `VmHWM` after the scan: the figure that matters.
    pub peak: u64,
    pub scan_secs: f64,
    pub packages: usize,
}

pub struct MemoryFigures {
    pub tar_bytes: u64,
    pub compressed_bytes: u64,
    pub copies: u32,
    pub generate_secs: f64,
    pub child: ChildReport,
}

/// The `rss` sub-command: load the first-party plugins, scan one layer, report.
pub fn child(path: &Path, digest: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let scanners = crate::plugins::first_party()?;
    let peak_after_load = memory::peak_rss()?;
    let layer = Layer {
        digest: digest.to_string(),
        source: LayerSource::File(path.to_path_buf()),
    };
    let start = Instant::now();
    let artifacts = runtime.block_on(scanners.scan_layer(&layer, None))?;
    let report = ChildReport {
        peak_after_load,
        peak: memory::peak_rss()?,
        scan_secs: start.elapsed().as_secs_f64(),
        packages: artifacts.packages.len(),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Generates the layer in a temporary directory (removed on return), then runs the
/// child over it.
pub fn measure(source: &Path, min_tar_bytes: u64) -> anyhow::Result<MemoryFigures> {
    let dir = tempfile::Builder::new()
        .prefix("scry-bench-rss-")
        .tempdir_in(scratch_dir())
        .context("creating a temporary directory")?;
    eprintln!(
        "layer-throughput: writing a {} MiB layer in {}",
        min_tar_bytes >> 20,
        dir.path().display()
    );
    let start = Instant::now();
    let generated = generate::layer(source, &dir.path().join("layer.tar.gz"), min_tar_bytes)?;
    let generate_secs = start.elapsed().as_secs_f64();

    eprintln!("layer-throughput: scanning it in a child process");
    let exe = std::env::current_exe().context("locating this binary")?;
    let output = Command::new(exe)
        .arg("rss")
        .arg(&generated.path)
        .arg(&generated.digest)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("running the rss child")?;
    if !output.status.success() {
        bail!("the rss child failed: {}", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let child: ChildReport = serde_json::from_str(stdout.trim())
        .with_context(|| format!("parsing the rss child's report {stdout:?}"))?;
    Ok(MemoryFigures {
        tar_bytes: generated.tar_bytes,
        compressed_bytes: generated.compressed_bytes,
        copies: generated.copies,
        generate_secs,
        child,
    })
}

/// Where the spooler puts its files too: `$TMPDIR`, else `/var/tmp` (on disk; `/tmp`
/// may be RAM-backed, and a 1 GiB file there would count against the machine's memory).
fn scratch_dir() -> PathBuf {
    std::env::var_os("TMPDIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("/var/tmp"), PathBuf::from)
}
