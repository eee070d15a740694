//! `layer-throughput`: how fast a real ≥ 200 MB layer goes through Scry, and how much
//! memory a 1 GiB layer needs. Prints figures; asserts nothing. See benches/README.md.
//!
//! ```text
//! cargo run --release -p scry-benches --bin layer-throughput -- [--reps N] [--write-results]
//! ```

mod fixtures;
mod generate;
mod plugins;
mod report;
mod rss;
mod throughput;

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use scry_benches::{
    machine::{self, Machine},
    results,
};

#[derive(Parser)]
#[command(
    name = "layer-throughput",
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    bench: BenchArgs,
}

#[derive(Args)]
struct BenchArgs {
    /// Holds big/layer.tar.{gz,zst} and big/layer.tar.size (scripts/fixtures.sh --big).
    #[arg(long, env = "SCRY_FIXTURES", default_value = "/var/tmp/scry-fixtures")]
    fixtures: PathBuf,
    /// Timed repetitions of each measurement; medians are reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,
    /// Uncompressed size of the layer generated for the peak-RSS run, in GiB.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    rss_gib: u64,
    /// Skip the peak-RSS run (it writes a ≥ 1 GiB temporary layer).
    #[arg(long)]
    skip_rss: bool,
    /// Record the figures in benches/RESULTS.md (release builds only).
    #[arg(long)]
    write_results: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Internal: run the full pipeline over one layer and print peak RSS as JSON. A
    /// separate process, so that the parent's memory does not count.
    #[command(hide = true)]
    Rss { path: PathBuf, digest: String },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Rss { path, digest }) => rss::child(&path, &digest),
        None => bench(cli.bench),
    }
}

fn bench(args: BenchArgs) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("layer-throughput: debug build; figures mean little (use --release)");
        if args.write_results {
            bail!("--write-results needs a release build");
        }
    }
    let machine = Machine::detect();
    let load_before = machine::load_average();
    let big = fixtures::BigLayers::find(&args.fixtures)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let scanners = plugins::first_party()?;

    let reps = args.reps as usize;
    let throughput = throughput::measure(&runtime, &scanners, &big, reps)?;
    let plugin_times = throughput::per_plugin(&runtime, &scanners, &big.layers[0], reps)?;
    let memory = if args.skip_rss {
        None
    } else {
        Some(rss::measure(&big.layers[0].path, args.rss_gib << 30)?)
    };

    let report = report::Report {
        machine,
        date: results::utc_now(),
        commit: results::git_commit(),
        command: command_line(),
        load: (load_before, machine::load_average()),
        reps,
        big: &big,
        throughput: &throughput,
        plugins: &plugin_times,
        memory: memory.as_ref(),
    };
    let markdown = report.markdown();
    println!("{markdown}");
    if args.write_results {
        let path = results::results_file();
        results::record(&path, &report.section_key(), &markdown)
            .with_context(|| format!("recording results in {}", path.display()))?;
        eprintln!("layer-throughput: recorded in {}", path.display());
    }
    Ok(())
}

/// How to rerun this measurement: the cargo command with this run's arguments, and the
/// fixtures directory when it came from the environment.
fn command_line() -> String {
    let fixtures = std::env::var("SCRY_FIXTURES")
        .map(|dir| format!("SCRY_FIXTURES={} ", results::shell_line([dir])))
        .unwrap_or_default();
    let mut words: Vec<String> = [
        "cargo",
        "run",
        "--release",
        "-p",
        "scry-benches",
        "--bin",
        "layer-throughput",
        "--",
    ]
    .map(String::from)
    .into();
    words.extend(std::env::args().skip(1));
    fixtures + &results::shell_line(words)
}
