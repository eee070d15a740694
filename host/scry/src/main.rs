//! `scry`: scan container images with sandboxed WebAssembly scanner plugins.

mod airgap_cli;
mod image;
mod logging;
mod plugin_test;
mod plugins_cli;
mod progress;
mod serve;
mod serve_matcher;
mod serve_notifier;
mod serve_wiring;
mod table;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use scry_indexer::Scanners;
use scry_plugin_sets::InitialPlugins;
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
    /// Serve Clair v4's HTTP API (`combo`, or one service per process as Quay runs Clair).
    Serve {
        /// combo, indexer, matcher or notifier (also CLAIR_MODE); default combo.
        #[arg(long)]
        mode: Option<String>,
        /// A Clair config file, YAML or JSON (also CLAIR_CONF); none runs on embedded defaults.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run the updaters and write what they fetch to FILE: Clair's airgap bundle
    /// (newline-delimited JSON, gzip), for `import-updaters` on a machine with no network.
    ExportUpdaters {
        file: PathBuf,
        /// A Clair config file (also CLAIR_CONF): `updaters.sets`, `updaters.config`, `updaters.filter`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Fail if any updater fails (by default failures are reported and skipped).
        #[arg(long)]
        strict: bool,
    },
    /// Load an airgap bundle into the matcher's database (`matcher.connstring`); operations
    /// already stored are skipped; a corrupt or truncated bundle is rejected whole.
    ImportUpdaters {
        file: PathBuf,
        /// A Clair config file (also CLAIR_CONF).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Manage plugins (scanners and matchers).
    Plugins {
        #[command(subcommand)]
        command: PluginsCommand,
    },
}

#[derive(Subcommand)]
enum PluginsCommand {
    /// Show the loaded plugins: name, version, kind (package, distribution, repository,
    /// matcher), origin and content hash; with --server, those a running server serves.
    List {
        #[command(flatten)]
        remote: Remote,
    },
    /// Check a plugin as a server would (component, WIT version, identity, smoke scan).
    Verify { file: PathBuf },
    /// Run one plugin alone on an image and show what it found, its timings and errors:
    /// a scanner on every layer; a matcher on the image's index report (built-in
    /// scanners) against the local vulnerability database. Exits 1 if the plugin failed.
    Test {
        file: PathBuf,
        /// An OCI layout directory, a `docker save` archive, or a layer tarball.
        image: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// A Clair config (also CLAIR_CONF): the plugin's block, and for a matcher the
        /// database; none means no block and the embedded SQLite database.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Add or replace a plugin: in --plugin-dir, or on a running server (--server): a
    /// scanner goes to the indexer's set, a matcher to the matcher's.
    Add {
        file: PathBuf,
        #[command(flatten)]
        remote: Remote,
    },
    /// Remove a plugin by name: from --plugin-dir, or on a running server.
    Remove {
        name: String,
        /// `scanner` or `matcher`, when the name is in both sets.
        #[arg(long)]
        world: Option<String>,
        #[command(flatten)]
        remote: Remote,
    },
}

/// A running server's admin API.
#[derive(clap::Args)]
struct Remote {
    /// The server's API, e.g. http://127.0.0.1:6060 (an indexer, a matcher or combo).
    #[arg(long)]
    server: Option<String>,
    /// The PSK (base64, as `auth.psk.key`) that signs the `scry-admin` token.
    #[arg(long, env = "SCRY_ADMIN_PSK", hide_env_values = true)]
    psk: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

fn main() -> std::process::ExitCode {
    logging::init();
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
    match cli.command {
        Command::Serve { mode, config } => {
            serve::serve(config, mode, cli.plugin_dir).await?;
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Command::ExportUpdaters {
            file,
            config,
            strict,
        } => {
            airgap_cli::export(config, &file, strict).await?;
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Command::ImportUpdaters { file, config } => {
            airgap_cli::import(config, &file).await?;
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Command::Plugins {
            command:
                PluginsCommand::List {
                    remote:
                        Remote {
                            server: Some(server),
                            psk,
                        },
                },
        } => {
            let psk = psk.context("--server needs --psk or SCRY_ADMIN_PSK")?;
            plugins_cli::list_server(&server, &psk).await?;
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Command::Plugins {
            command: PluginsCommand::Verify { file },
        } => {
            tokio::task::spawn_blocking(move || plugins_cli::verify_file(&file)).await??;
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Command::Plugins {
            command:
                PluginsCommand::Test {
                    file,
                    image,
                    format,
                    config,
                },
        } => {
            let request = plugin_test::Request {
                plugin: &file,
                image: &image,
                format,
                plugin_dir: cli.plugin_dir.as_deref(),
                config: config.as_deref(),
            };
            return plugin_test::run(request).await;
        }
        Command::Plugins {
            command: PluginsCommand::Add { file, remote },
        } => {
            let target = plugins_cli::Target::pick(remote.server, remote.psk, cli.plugin_dir)?;
            plugins_cli::add(target, &file).await?;
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Command::Plugins {
            command:
                PluginsCommand::Remove {
                    name,
                    world,
                    remote,
                },
        } => {
            let target = plugins_cli::Target::pick(remote.server, remote.psk, cli.plugin_dir)?;
            plugins_cli::remove(target, &name, world.as_deref()).await?;
            return Ok(std::process::ExitCode::SUCCESS);
        }
        _ => {}
    }
    let runtime = Runtime::new(RuntimeConfig::default()).context("starting the plugin runtime")?;
    let plugins = InitialPlugins::load(&runtime, cli.plugin_dir.as_deref())?;
    match cli.command {
        Command::Plugins { .. } => {
            println!(
                "{:<16} {:<8} {:<13} {:<10} SHA256",
                "NAME", "VERSION", "KIND", "ORIGIN"
            );
            for loaded in &plugins.scanners {
                let plugin = &loaded.plugin;
                println!(
                    "{:<16} {:<8} {:<13} {:<10} {}",
                    plugin.name,
                    plugin.version,
                    scry_indexer_kind(plugin),
                    loaded.origin,
                    plugin.content_hash
                );
            }
            for loaded in &plugins.matchers {
                let matcher = &loaded.plugin;
                println!(
                    "{:<16} {:<8} {:<13} {:<10} {}",
                    matcher.name(),
                    matcher.version(),
                    "matcher",
                    loaded.origin,
                    matcher.content_hash
                );
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Serve { .. } | Command::ExportUpdaters { .. } | Command::ImportUpdaters { .. } => {
            unreachable!("handled above")
        }
        Command::Scan { path, format } => {
            let image = image::open(&path)?;
            let scanners = Scanners::new(plugins.scanner_plugins())?;
            let progress = progress::Progress::start();
            let report = scanners
                .index(
                    &image.manifest_hash,
                    &image.layers,
                    Some(progress.callback()),
                )
                .await;
            progress.finish();
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Table => print!("{}", table::render(&report)),
            }
            Ok(if report.success {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(1)
            })
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
