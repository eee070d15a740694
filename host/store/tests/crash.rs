//! A writer that stops half-way leaves no partial report: neither a transaction that is
//! dropped before commit nor a writer process killed in the middle of its writes.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use scry_model::IndexReport;
use scry_store::IndexStore;
use scry_store::testing::{TestDb, abandon_index_report};
use tokio::io::{AsyncBufReadExt, BufReader};

both_backends!(
    abandoned_write_leaves_nothing,
    killed_writer_leaves_whole_reports
);

async fn abandoned_write_leaves_nothing(db: &TestDb) {
    let store = db.store().await;
    let m = manifest(1);
    let before = debian_report(&m, &[("bash", "5.2", None)]);
    store
        .put_index_report(&m, &[layer(1)], &before, "a")
        .await
        .unwrap();

    let after = debian_report(&m, &[("zsh", "5.9", None), ("curl", "7.88", Some("curl"))]);
    abandon_index_report(&store, &m, &[layer(2), layer(3)], &after, "b")
        .await
        .unwrap();
    assert_eq!(
        store.index_report(&m).await.unwrap(),
        Some((before, "a".into()))
    );
    assert_eq!(
        store.manifest_layers(&m).await.unwrap(),
        Some(vec![layer(1)])
    );
    assert_eq!(store.affected_manifests("bash").await.unwrap().len(), 1);
    assert!(store.affected_manifests("zsh").await.unwrap().is_empty());

    // A manifest never stored before leaves no trace at all.
    let fresh = manifest(2);
    let report = debian_report(&fresh, &[("dash", "0.5", None)]);
    abandon_index_report(&store, &fresh, &[layer(4)], &report, "b")
        .await
        .unwrap();
    assert_eq!(store.index_report(&fresh).await.unwrap(), None);
    assert_eq!(store.manifest_layers(&fresh).await.unwrap(), None);
    assert!(store.affected_manifests("dash").await.unwrap().is_empty());

    // Nothing stays locked: the next write goes through.
    store
        .put_index_report(&fresh, &[layer(4)], &report, "b")
        .await
        .unwrap();
    assert!(store.index_report(&fresh).await.unwrap().is_some());
}

const PACKAGES: usize = 1500;
const SOURCES: usize = 10;

/// Round `n` of the child's writes: every package at version `n`, its own layers.
fn round(n: u64) -> (IndexReport, Vec<String>) {
    let names: Vec<(String, String)> = (0..PACKAGES)
        .map(|j| (format!("pkg-{j}"), format!("src-{}", j % SOURCES)))
        .collect();
    let version = n.to_string();
    let packages: Vec<(&str, &str, Option<&str>)> = names
        .iter()
        .map(|(name, source)| (name.as_str(), version.as_str(), Some(source.as_str())))
        .collect();
    let report = debian_report(&manifest(1), &packages);
    let layers = (0..n % 7 + 1).map(|k| layer((n * 10 + k) as u32)).collect();
    (report, layers)
}

/// Run by `killed_writer_leaves_whole_reports` in a child process: rewrites one
/// manifest's report round after round until killed.
#[tokio::test]
#[ignore = "run as a child process by killed_writer_leaves_whole_reports"]
async fn child_writer() {
    let conn = std::env::var("SCRY_STORE_CHILD_CONN").expect("run by the parent test");
    let first: u64 = std::env::var("SCRY_STORE_CHILD_ROUND")
        .unwrap()
        .parse()
        .unwrap();
    let store = IndexStore::connect(&conn, false).await.unwrap();
    for n in first.. {
        let (report, layers) = round(n);
        println!("begin {n}");
        store
            .put_index_report(&manifest(1), &layers, &report, &format!("state-{n}"))
            .await
            .unwrap();
        println!("committed {n}");
    }
}

async fn killed_writer_leaves_whole_reports(db: &TestDb) {
    let store = db.store().await;
    let mut next = 0;
    let mut killed_mid_write = 0;
    for _ in 0..3 {
        let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "child_writer", "--nocapture"])
            .env("SCRY_STORE_CHILD_CONN", db.conn())
            .env("SCRY_STORE_CHILD_ROUND", next.to_string())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut begun, mut committed) = (None, None);
        let mut last = String::new();
        let mut note = |line: &str, begun: &mut Option<u64>, committed: &mut Option<u64>| {
            if let Some(n) = line.strip_prefix("begin ") {
                *begun = n.parse().ok();
            } else if let Some(n) = line.strip_prefix("committed ") {
                *committed = n.parse().ok();
            } else {
                return;
            }
            last = line.to_string();
        };
        let warm_up = async {
            while let Some(line) = lines.next_line().await.unwrap() {
                note(&line, &mut begun, &mut committed);
                if committed >= Some(next + 2) {
                    return;
                }
            }
            panic!("the writer exited");
        };
        tokio::time::timeout(Duration::from_secs(120), warm_up)
            .await
            .expect("the writer commits a few rounds");
        let jitter = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            % 40;
        tokio::time::sleep(Duration::from_millis(jitter.into())).await;
        child.kill().await.unwrap();
        while let Some(line) = lines.next_line().await.unwrap() {
            note(&line, &mut begun, &mut committed);
        }
        if last.starts_with("begin") {
            killed_mid_write += 1;
        }
        let (begun, committed) = (begun.unwrap(), committed.unwrap());
        // A write killed just after its commit is whole too: either is fine.
        assert_whole(&store, &[committed, begun]).await;
        next = begun + 1;
    }
    assert!(killed_mid_write > 0, "no kill landed inside a write; rerun");
}

/// The stored report, layer list and index rows all come from one of `rounds`.
async fn assert_whole(store: &IndexStore, rounds: &[u64]) {
    let m = manifest(1);
    let (report, state) = store.index_report(&m).await.unwrap().unwrap();
    let n: u64 = state.strip_prefix("state-").unwrap().parse().unwrap();
    assert!(
        rounds.contains(&n),
        "stored round {n}, expected one of {rounds:?}"
    );
    let (expected, layers) = round(n);
    assert_eq!(report, expected, "report of round {n}");
    assert_eq!(store.manifest_layers(&m).await.unwrap(), Some(layers));
    let mut rows = 0;
    for source in 0..SOURCES {
        for row in store
            .affected_manifests(&format!("src-{source}"))
            .await
            .unwrap()
        {
            assert_eq!(row.package.version, n.to_string(), "{row:?}");
            rows += 1;
        }
    }
    assert_eq!(rows, PACKAGES, "index rows of round {n}");
}
