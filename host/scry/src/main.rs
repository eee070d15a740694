//! `scry`: scan container images with sandboxed WebAssembly scanner plugins.

mod image;
mod plugins;
mod table;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use scry_indexer::Scanners;
use scry_runtime::{Runtime, RuntimeConfig};

#[derive(Parser)]
#[command(name = "scry", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Extra scanner plugins (`*.wasm` components); one with a first-party plugin's name replaces it.
    #[arg(long, global = true, env = "SCRY_PLUGIN_DIR")]
    plugin_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Index an image: an OCI layout directory, a `docker save` archive, or a layer tarball.
    Scan {
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Manage scanner plugins.
    Plugins {
        #[command(subcommand)]
        command: PluginsCommand,
    },
}

#[derive(Subcommand)]
enum PluginsCommand {
    /// Show the loaded plugins: name, version, kind and content hash.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("SCRY_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("starting the async runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("scry: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let runtime = Runtime::new(RuntimeConfig::default()).context("starting the plugin runtime")?;
    let plugins = plugins::load(&runtime, cli.plugin_dir.as_deref())?;
    match cli.command {
        Command::Plugins { command: PluginsCommand::List } => {
            println!("{:<16} {:<8} {:<13} SHA256", "NAME", "VERSION", "KIND");
            for plugin in &plugins {
                let kind = scry_indexer_kind(plugin);
                println!("{:<16} {:<8} {:<13} {}", plugin.name, plugin.version, kind, plugin.content_hash);
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Scan { path, format } => {
            let image = image::open(&path)?;
            let scanners = Scanners::new(plugins)?;
            let progress = Progress::start();
            let report = scanners.index(&image.manifest_hash, &image.layers, Some(progress.callback())).await;
            progress.finish();
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Table => print!("{}", table::render(&report)),
            }
            Ok(if report.success { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::from(1) })
        }
    }
}

fn scry_indexer_kind(plugin: &scry_runtime::ScannerPlugin) -> &'static str {
    match plugin.kind {
        scry_runtime::ScannerKind::Package => "package",
        scry_runtime::ScannerKind::Distribution => "distribution",
        scry_runtime::ScannerKind::Repository => "repository",
    }
}

/// Prints how far long layer reads have got, on stderr, once they take more than a moment.
struct Progress {
    bytes: Arc<AtomicU64>,
    layer: Arc<std::sync::Mutex<String>>,
    ticker: tokio::task::JoinHandle<()>,
}

impl Progress {
    fn start() -> Progress {
        let bytes = Arc::new(AtomicU64::new(0));
        let layer = Arc::new(std::sync::Mutex::new(String::new()));
        let (seen_bytes, seen_layer) = (bytes.clone(), layer.clone());
        let ticker = tokio::spawn(async move {
            let started = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let mib = seen_bytes.load(Ordering::Relaxed) >> 20;
                let layer = seen_layer.lock().map(|l| l.clone()).unwrap_or_default();
                eprintln!("scry: {:>4}s  {mib} MiB read  (layer {layer})", started.elapsed().as_secs());
            }
        });
        Progress { bytes, layer, ticker }
    }

    fn callback(&self) -> scry_indexer::LayerProgress {
        let (bytes, layer) = (self.bytes.clone(), self.layer.clone());
        let last = Arc::new(AtomicU64::new(0));
        Arc::new(move |digest: &str, read: u64| {
            let before = last.swap(read, Ordering::Relaxed);
            bytes.fetch_add(read.saturating_sub(before), Ordering::Relaxed);
            if let Ok(mut current) = layer.lock() {
                if *current != digest {
                    *current = digest.to_string();
                }
            }
        })
    }

    fn finish(self) {
        self.ticker.abort();
    }
}
