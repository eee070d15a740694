//! Measurements, not assertions: import rate and the report hot path
//! (`vulnerabilities_for_packages`). Ignored by default; run with
//! `cargo test -p scry-store --test vulns_bench -- --ignored --nocapture`.
//! `SCRY_BENCH_VULNS` sets how many vulnerabilities are stored (default 100000).
//!
//! Measured on the shared 2-core dev box (load ~4, dev profile), 1,000,000 stored:
//! import 34k/s SQLite, 7.6k/s PostgreSQL 15; 100 names (250 hits) median 3.4 ms
//! SQLite, 2.5 ms PostgreSQL. At 100,000: 54k/s and 10k/s; 3.6 ms and 3.2 ms.

mod common;

use std::time::{Duration, Instant};

use scry_model::{Distribution, Package, UpdateKind, Vulnerability};
use scry_store::VulnStore;
use scry_store::testing::TestDb;

/// Feeds hand the store batches of this size (scry_updaters::BATCH).
const BATCH: usize = 2048;
const VULNS_PER_PACKAGE: usize = 5;
const UPDATERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement; run explicitly"]
async fn sqlite() {
    measure(&TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement; run explicitly"]
async fn postgres() {
    measure(&TestDb::postgres().await).await;
}

fn vuln(n: usize) -> Vulnerability {
    let package = n / VULNS_PER_PACKAGE;
    Vulnerability {
        name: format!("CVE-2024-{n:06}"),
        description: format!("A flaw in package-{package} lets a remote attacker do things."),
        issued: "2024-05-01T12:00:00Z".into(),
        links: format!("https://security-tracker.debian.org/tracker/CVE-2024-{n:06}"),
        severity: "medium".into(),
        normalized_severity: "High".into(),
        package: Some(Package {
            id: String::new(),
            name: format!("package-{package}"),
            version: String::new(),
            kind: "source".into(),
            source: None,
            normalized_version: String::new(),
            module: String::new(),
            arch: String::new(),
            cpe: String::new(),
        }),
        distribution: Some(Distribution {
            id: String::new(),
            did: "debian".into(),
            name: "Debian GNU/Linux".into(),
            version: "12 (bookworm)".into(),
            version_code_name: "bookworm".into(),
            version_id: "12".into(),
            arch: String::new(),
            cpe: String::new(),
            pretty_name: "Debian GNU/Linux 12 (bookworm)".into(),
        }),
        fixed_in_version: format!("{}.{}-1", n % 7, n % 13),
        ..Vulnerability::default()
    }
}

async fn import(store: &VulnStore, updater: &str, range: std::ops::Range<usize>) {
    let mut writer = store
        .begin_update(updater, "bench", UpdateKind::Vulnerability, false)
        .await
        .unwrap();
    let all: Vec<usize> = range.collect();
    for chunk in all.chunks(BATCH) {
        let batch: Vec<Vulnerability> = chunk.iter().map(|n| vuln(*n)).collect();
        writer.add_vulnerabilities(&batch).await.unwrap();
    }
    writer.commit().await.unwrap();
}

async fn measure(db: &TestDb) {
    let total: usize = std::env::var("SCRY_BENCH_VULNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let store = db.vuln_store().await;
    let backend = store.backend();

    let started = Instant::now();
    let per_updater = total / UPDATERS;
    for u in 0..UPDATERS {
        let range = u * per_updater..(u + 1) * per_updater;
        import(&store, &format!("updater-{u}"), range).await;
    }
    let took = started.elapsed();
    println!(
        "{backend}: imported {total} vulnerabilities in {took:.1?}: {:.0}/s",
        total as f64 / took.as_secs_f64()
    );

    // Re-import of one updater: every row already stored, only links are new.
    let started = Instant::now();
    import(&store, "updater-0", 0..per_updater).await;
    let took = started.elapsed();
    println!(
        "{backend}: re-imported {per_updater} unchanged vulnerabilities in {took:.1?}: {:.0}/s",
        per_updater as f64 / took.as_secs_f64()
    );

    // 100 package names spread over the whole range, half of them unknown.
    let packages = total / VULNS_PER_PACKAGE;
    let names: Vec<String> = (0..100)
        .map(|i| match i % 2 {
            0 => format!("package-{}", i * packages / 100),
            _ => format!("not-a-package-{i}"),
        })
        .collect();
    let mut times: Vec<Duration> = Vec::new();
    let mut found = 0;
    for round in 0..60 {
        let started = Instant::now();
        let result = store.vulnerabilities_for_packages(&names).await.unwrap();
        if round >= 10 {
            times.push(started.elapsed());
        }
        found = result.values().map(Vec::len).sum();
    }
    times.sort();
    println!(
        "{backend}: 100 names against {total} vulnerabilities -> {found} found: \
         median {:.2?}, p95 {:.2?}",
        times[times.len() / 2],
        times[times.len() * 95 / 100]
    );

    let mut pings: Vec<Duration> = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        store.ping().await.unwrap();
        pings.push(started.elapsed());
    }
    pings.sort();
    println!(
        "{backend}: round trip (SELECT 1) median {:.2?}",
        pings[pings.len() / 2]
    );

    let started = Instant::now();
    let outcome = store.gc(1, 50).await.unwrap();
    println!("{backend}: gc {outcome:?} in {:.1?}", started.elapsed());
}
