//! Updater import rate and peak memory for a ≥ 500 MB feed: a Debian security tracker
//! JSON in the real shape is generated on disk (streamed, never in memory), served from
//! disk over loopback, and imported by the real updater (`run_updater`) into a fresh
//! SQLite and PostgreSQL store, each time in a child process whose `VmHWM` is the
//! figure. See benches/README.md.

mod child;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use scry_benches::tracker_feed::{FeedPlan, FeedStats, Stop, write_feed};
use scry_benches::{loopback, machine, results};
use scry_store::testing::TestDb;

#[derive(Parser)]
#[command(name = "updater-import", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Feed size to generate, in MB (10⁶ bytes).
    #[arg(long, default_value_t = 530)]
    megabytes: u64,
    /// Only this backend (sqlite or postgres); both by default.
    #[arg(long)]
    backend: Option<String>,
    /// Record the figures in benches/RESULTS.md (release builds only).
    #[arg(long)]
    write_results: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Internal: run the updater once into `conn` and print a JSON report.
    #[command(hide = true)]
    Child { conn: String, url: String },
}

const TARGET_RSS_MIB: f64 = 512.0;

struct Row {
    backend: &'static str,
    child: child::ChildReport,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Child { conn, url }) = &cli.command {
        return child::run(conn, url).await;
    }
    results::release_only(cli.write_results)?;
    let load_before = machine::load_average();
    let work = tempfile::Builder::new()
        .prefix("scry-updater-import")
        .tempdir_in(std::env::temp_dir())?;
    let feed_path = work.path().join("tracker.json");
    eprintln!(
        "writing a {} MB feed to {}",
        cli.megabytes,
        feed_path.display()
    );
    let started = Instant::now();
    let plan = FeedPlan {
        image_sources: Vec::new(),
        image_release: "bookworm",
        cves_per_image_source: 0,
        cves_per_other_package: 12,
        description_len: 240,
        stop: Stop::Bytes(cli.megabytes * 1_000_000),
    };
    let feed = write_feed(
        std::io::BufWriter::new(std::fs::File::create(&feed_path)?),
        &plan,
    )?;
    let generate_secs = started.elapsed().as_secs_f64();
    let server = loopback::serve_files(HashMap::from([(
        "tracker/data/json".to_string(),
        feed_path.clone(),
    )]))
    .await?;
    let url = format!("http://{server}/tracker/data/json");

    let mut rows = Vec::new();
    for backend in ["sqlite", "postgres"] {
        if cli.backend.as_deref().is_some_and(|only| only != backend) {
            continue;
        }
        let db = match backend {
            "sqlite" => TestDb::sqlite(),
            _ => TestDb::postgres().await,
        };
        eprintln!("{backend}: importing {} records", feed.records);
        let child = run_child(db.conn(), &url).await?;
        anyhow::ensure!(
            child.records == feed.records,
            "imported {} records of {}",
            child.records,
            feed.records
        );
        eprintln!(
            "{backend}: {:.0} records/s, peak RSS {:.1} MiB",
            child.records as f64 / child.total_secs,
            mib(child.peak_rss)
        );
        rows.push(Row { backend, child });
    }
    let body = markdown(&feed, generate_secs, &rows, load_before)?;
    println!("{body}");
    if cli.write_results {
        let key = format!("updater-import @ {}", machine::Machine::detect().key());
        results::record(&results::results_file(), &key, &body)?;
    }
    Ok(())
}

/// Re-runs this binary as `child`; the parent keeps serving the feed meanwhile.
async fn run_child(conn: &str, url: &str) -> anyhow::Result<child::ChildReport> {
    let exe: PathBuf = std::env::current_exe().context("locating this binary")?;
    let output = tokio::process::Command::new(exe)
        .args(["child", conn, url])
        .stderr(std::process::Stdio::inherit())
        .output()
        .await?;
    anyhow::ensure!(output.status.success(), "the import child failed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim())
        .with_context(|| format!("parsing the child's report {stdout:?}"))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

fn markdown(
    feed: &FeedStats,
    generate_secs: f64,
    rows: &[Row],
    load_before: Option<f64>,
) -> anyhow::Result<String> {
    let mut out = results::header("updater-import", load_before);
    writeln!(
        out,
        "- Feed: generated Debian tracker JSON on disk, {:.1} MB, {} source packages, {} CVE entries (240-character descriptions), {} records (bullseye, bookworm, trixie; `sid` entries skipped by the updater as in the real feed); written in {generate_secs:.0} s (not counted). Served from disk over loopback; the `debian` updater downloads it to its own temporary file, then parses and writes as a stream, in one transaction.\n- Each import runs in a child process (this binary's hidden `child` command) into a fresh database; peak RSS is the child's `VmHWM` (PostgreSQL's own memory is not in it).\n",
        feed.bytes as f64 / 1e6,
        feed.packages,
        feed.cves,
        feed.records,
    )?;
    writeln!(
        out,
        "| Store | Records | Download | Whole import | Records/s | MB/s of feed | Peak RSS before | Peak RSS |\n|---|--:|--:|--:|--:|--:|--:|--:|"
    )?;
    for row in rows {
        let c = &row.child;
        writeln!(
            out,
            "| {} | {} | {:.1} s | {:.1} s | **{:.0}** | {:.1} | {:.1} MiB | **{:.1} MiB** |",
            row.backend,
            c.records,
            c.fetch_secs,
            c.total_secs,
            c.records as f64 / c.total_secs,
            feed.bytes as f64 / 1e6 / c.total_secs,
            mib(c.peak_rss_before),
            mib(c.peak_rss),
        )?;
    }
    writeln!(out)?;
    for row in rows {
        let peak = mib(row.child.peak_rss);
        let verdict = if peak < TARGET_RSS_MIB {
            "met"
        } else {
            "not met"
        };
        writeln!(
            out,
            "Target peak RSS < {TARGET_RSS_MIB:.0} MiB on {}: **{verdict}** ({peak:.1} MiB).",
            row.backend
        )?;
    }
    Ok(out)
}
