//! Notification latency: 10,000 indexed manifests of which 1,000 carry a vulnerable
//! version of one package; a second update operation adds a vulnerability of that
//! package; time from its commit to the webhook POST arriving at a loopback receiver,
//! through the notifier's own processing (diff → affected manifests → one notification
//! per manifest) and delivery. The poll wait (≤ `notifier.poll_interval`) is left out:
//! processing starts as the poll would. Both backends.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use scry_benches::{machine, results};
use scry_matcher::{AffectedLookup, MatcherService, Matchers};
use scry_model::{
    Distribution, Environment, IndexReport, Package, SourcePackage, UpdateKind, Vulnerability,
};
use scry_notifier::local::LocalUpdates;
use scry_notifier::{NotifierMetrics, NotifierService};
use scry_runtime::matcher::MatcherPlugin;
use scry_runtime::{Runtime, RuntimeConfig};
use scry_store::testing::TestDb;
use scry_store::{NotificationStore, VulnStore};
use tokio::sync::mpsc;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    manifests: usize,
    #[arg(long, default_value_t = 1_000)]
    affected: usize,
    /// Only this backend (`sqlite` or `postgres`).
    #[arg(long)]
    backend: Option<String>,
    #[arg(long)]
    write_results: bool,
}

struct Row {
    backend: &'static str,
    index_seconds: f64,
    processing_ms: f64,
    delivery_ms: f64,
    total_ms: f64,
    notifications: usize,
    paging_ms: f64,
}

const UPDATER: &str = "debian/updater";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    results::release_only(args.write_results)?;
    let load_before = machine::load_average();
    let runtime = Runtime::new(RuntimeConfig::default())?;
    let debian = scry_bundled::FIRST_PARTY_MATCHERS
        .iter()
        .find(|b| b.name == "debian")
        .ok_or_else(|| anyhow::anyhow!("no debian matcher"))?;
    let matchers = Matchers::new(vec![Arc::new(MatcherPlugin::load(
        &runtime,
        debian.name,
        debian.wasm,
    )?)]);
    let mut rows = Vec::new();
    for backend in ["sqlite", "postgres"] {
        if args.backend.as_deref().is_some_and(|only| only != backend) {
            continue;
        }
        let db = match backend {
            "sqlite" => TestDb::sqlite(),
            _ => TestDb::postgres().await,
        };
        rows.push(run(backend, &db, &args, &matchers).await?);
    }
    let body = markdown(&args, &rows, load_before)?;
    println!("{body}");
    if args.write_results {
        let key = format!("notifier-latency @ {}", machine::Machine::detect().key());
        results::record(&results::results_file(), &key, &body)?;
    }
    Ok(())
}

async fn run(
    backend: &'static str,
    db: &TestDb,
    args: &Args,
    matchers: &Matchers,
) -> anyhow::Result<Row> {
    let index = db.store().await;
    let vulns = db.vuln_store().await;
    let notes = db.notification_store().await;
    eprintln!("{backend}: indexing {} manifests", args.manifests);
    let started = Instant::now();
    for n in 0..args.manifests {
        let vulnerable = n < args.affected;
        let report = index_report(n, if vulnerable { "1.0-1" } else { "3.0-1" });
        index
            .put_index_report(&report.manifest_hash, &[], &report, "bench")
            .await?;
    }
    let index_seconds = started.elapsed().as_secs_f64();

    let (hook, mut arrivals) = receiver().await?;
    let notifier = scry_config::Notifier {
        webhook: Some(scry_config::Webhook {
            target: hook,
            callback: "http://scry.bench/notifier/api/v1/notification/".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let deliverer = scry_notifier::deliver::from_config(&notifier, None)
        .map_err(anyhow::Error::msg)?
        .ok_or_else(|| anyhow::anyhow!("no deliverer"))?;
    let service = NotifierService::new(
        notes.clone(),
        Arc::new(LocalUpdates(Arc::new(MatcherService::new(
            vulns.clone(),
            matchers.clone(),
            Arc::new(index.clone()),
            false,
        )))),
        Arc::new(AffectedLookup::new(index.clone(), matchers.clone())),
        deliverer,
        true,
        Duration::from_secs(3600),
        Duration::from_secs(3600),
        Arc::new(NotifierMetrics::default()),
    );

    // The first operation affects nothing (fixed below every installed version).
    update(&vulns, "1", &[vulnerability("CVE-2099-1000", "0.5-1")]).await?;
    anyhow::ensure!(
        service
            .poll_once()
            .await
            .map_err(anyhow::Error::msg)?
            .is_empty()
    );

    eprintln!("{backend}: second operation");
    update(
        &vulns,
        "2",
        &[
            vulnerability("CVE-2099-1000", "0.5-1"),
            vulnerability("CVE-2099-2000", "2.0-1"),
        ],
    )
    .await?;
    let committed = Instant::now();
    let sets = service.poll_once().await.map_err(anyhow::Error::msg)?;
    let processing_ms = committed.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(sets.len() == 1, "one set expected, got {sets:?}");
    let delivering = Instant::now();
    let delivered = service.deliver_due().await.map_err(anyhow::Error::msg)?;
    anyhow::ensure!(delivered == 1);
    let arrived = tokio::time::timeout(Duration::from_secs(60), arrivals.recv())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the receiver stopped"))?;
    let total_ms = committed.elapsed().as_secs_f64() * 1000.0;
    let delivery_ms = delivering.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(arrived == sets[0], "{arrived} is not {}", sets[0]);

    let paging = Instant::now();
    let notifications = read_all(&notes, &sets[0]).await?;
    let paging_ms = paging.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(
        notifications == args.affected,
        "{notifications} notifications for {} affected manifests",
        args.affected
    );
    eprintln!("{backend}: {total_ms:.0} ms from commit to arrival");
    Ok(Row {
        backend,
        index_seconds,
        processing_ms,
        delivery_ms,
        total_ms,
        notifications,
        paging_ms,
    })
}

/// Pages of 500, as Quay reads them.
async fn read_all(store: &NotificationStore, id: &str) -> anyhow::Result<usize> {
    let mut count = 0;
    let mut after: Option<String> = None;
    loop {
        let page = store.page(id, after.as_deref(), 500).await?;
        count += page.len();
        match page.last() {
            Some(last) if page.len() == 500 => after = Some(last.id.clone()),
            _ => return Ok(count),
        }
    }
}

/// A loopback webhook receiver that reports each notification id it gets.
async fn receiver() -> anyhow::Result<(String, mpsc::UnboundedReceiver<String>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::Json<serde_json::Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(
                    body["notification_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                );
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{addr}/hook"), rx))
}

async fn update(
    store: &VulnStore,
    fingerprint: &str,
    vulns: &[Vulnerability],
) -> anyhow::Result<()> {
    let mut writer = store
        .begin_update(UPDATER, fingerprint, UpdateKind::Vulnerability, false)
        .await?;
    writer.add_vulnerabilities(vulns).await?;
    writer.commit().await?;
    Ok(())
}

fn bookworm() -> Distribution {
    Distribution {
        id: "1".into(),
        did: "debian".into(),
        name: "Debian GNU/Linux".into(),
        version: "12 (bookworm)".into(),
        version_code_name: "bookworm".into(),
        version_id: "12".into(),
        pretty_name: "Debian GNU/Linux 12 (bookworm)".into(),
        ..Distribution::default()
    }
}

/// A source-keyed bookworm vulnerability of `foo`, as the Debian updater stores them.
fn vulnerability(cve: &str, fixed: &str) -> Vulnerability {
    Vulnerability {
        updater: UPDATER.into(),
        name: cve.into(),
        description: format!("{cve} in foo"),
        links: format!("https://security-tracker.debian.org/tracker/{cve}"),
        severity: "high".into(),
        normalized_severity: "High".into(),
        package: Some(Package {
            name: "foo".into(),
            kind: "source".into(),
            ..Package::default()
        }),
        distribution: Some(bookworm()),
        fixed_in_version: fixed.into(),
        ..Vulnerability::default()
    }
}

/// Manifest `n`: three bookworm packages, `libfoo1` (source `foo`) at `version`.
fn index_report(n: usize, version: &str) -> IndexReport {
    let package = |id: &str, name: &str, source: &str, version: &str| Package {
        id: id.into(),
        name: name.into(),
        version: version.into(),
        kind: "binary".into(),
        source: Some(SourcePackage {
            id: format!("{id}0"),
            name: source.into(),
            version: version.into(),
            kind: "source".into(),
            normalized_version: String::new(),
            cpe: String::new(),
        }),
        arch: "amd64".into(),
        ..Package::default()
    };
    let packages = BTreeMap::from([
        ("1".to_string(), package("1", "libfoo1", "foo", version)),
        (
            "2".to_string(),
            package("2", "base-files", "base-files", "12.4+deb12u5"),
        ),
        ("3".to_string(), package("3", "bash", "bash", "5.2.15-2+b2")),
    ]);
    let environments = packages
        .keys()
        .map(|id| {
            (
                id.clone(),
                vec![Environment {
                    package_db: "var/lib/dpkg/status".into(),
                    introduced_in: format!("sha256:{:064x}", n),
                    distribution_id: "1".into(),
                    repository_ids: Vec::new(),
                }],
            )
        })
        .collect();
    IndexReport {
        manifest_hash: format!("sha256:{:064x}", n + 1_000_000),
        state: IndexReport::FINISHED.into(),
        packages,
        distributions: BTreeMap::from([("1".into(), bookworm())]),
        repository: BTreeMap::new(),
        environments,
        success: true,
        err: String::new(),
        scry_scanners: Vec::new(),
    }
}

fn markdown(args: &Args, rows: &[Row], load_before: Option<f64>) -> anyhow::Result<String> {
    let mut out = results::header("notifier-latency", load_before);
    writeln!(
        out,
        "- In one process: {} indexed manifests (index reports stored through the indexer's store, three bookworm packages each; {} carry `libfoo1` 1.0-1, the rest 3.0-1), the debian matcher plugin, the notifier in summary mode with a webhook to a loopback receiver. A second update operation adds a vulnerability of source `foo` fixed in 2.0-1. Timed from its commit: processing (`poll_once`: diff, affected manifests, storing the set) and delivery (`deliver_due` until the POST arrives). The poll wait, up to `notifier.poll_interval`, comes on top.\n",
        args.manifests, args.affected
    )?;
    writeln!(
        out,
        "| Store | Indexing {} manifests | Processing | Delivery | **Commit → webhook** | Notifications | Reading them all (pages of 500) |",
        args.manifests
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for row in rows {
        writeln!(
            out,
            "| {} | {:.1} s | {:.0} ms | {:.1} ms | **{:.0} ms** | {} | {:.1} ms |",
            row.backend,
            row.index_seconds,
            row.processing_ms,
            row.delivery_ms,
            row.total_ms,
            row.notifications,
            row.paging_ms
        )?;
    }
    Ok(out)
}
