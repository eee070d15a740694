//! Named exclusive locks: within one store on both backends, and on PostgreSQL across
//! pools and across processes.

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use scry_store::IndexStore;
use scry_store::testing::TestDb;
use tokio::io::{AsyncBufReadExt, BufReader};

both_backends!(excludes_and_releases, serializes_holders);

const SHORT: Duration = Duration::from_millis(300);

async fn excludes_and_releases(db: &TestDb) {
    let store = db.store().await;
    let held = store.lock("manifest-a").await.unwrap();
    assert_eq!(held.key(), "manifest-a");
    assert!(store.try_lock("manifest-a").await.unwrap().is_none());
    let other = store
        .try_lock("manifest-b")
        .await
        .unwrap()
        .expect("other keys are free");

    let waiter = tokio::spawn({
        let store = store.clone();
        async move { store.lock("manifest-a").await }
    });
    tokio::time::sleep(SHORT).await;
    assert!(!waiter.is_finished(), "a second holder must wait");
    held.release().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the waiter gets the lock once it is released")
        .unwrap()
        .unwrap();

    // Dropping a guard releases too (on PostgreSQL by closing its session).
    drop(second);
    drop(other);
    eventually_free(&store, "manifest-a").await;
    eventually_free(&store, "manifest-b").await;
}

async fn serializes_holders(db: &TestDb) {
    let store = db.store().await;
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (store, inside, most) = (store.clone(), inside.clone(), most.clone());
            tokio::spawn(async move {
                let guard = store.lock("one-at-a-time").await.unwrap();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
                guard.release().await.unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(most.load(Ordering::SeqCst), 1);
}

async fn eventually_free(store: &IndexStore, key: &str) {
    for _ in 0..100 {
        if let Some(guard) = store.try_lock(key).await.unwrap() {
            return guard.release().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("lock {key:?} still held 5 s after its guard was dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_pools_exclude_each_other() {
    let db = TestDb::postgres().await;
    let (first, second) = (db.store().await, db.store().await);
    let held = first.lock("shared").await.unwrap();
    assert!(second.try_lock("shared").await.unwrap().is_none());
    let waiter = tokio::spawn({
        let second = second.clone();
        async move { second.lock("shared").await }
    });
    tokio::time::sleep(SHORT).await;
    assert!(!waiter.is_finished(), "the other pool must wait");
    held.release().await.unwrap();
    let taken = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the other pool gets the lock once released")
        .unwrap()
        .unwrap();
    assert!(first.try_lock("shared").await.unwrap().is_none());
    taken.release().await.unwrap();
    first.try_lock("shared").await.unwrap().expect("free again");
}

/// Run by `postgres_lock_across_processes` in a child process: holds a lock until
/// killed.
#[tokio::test]
#[ignore = "run as a child process by postgres_lock_across_processes"]
async fn child_lock_holder() {
    let conn = std::env::var("SCRY_STORE_CHILD_CONN").expect("run by the parent test");
    let store = IndexStore::connect(&conn, false).await.unwrap();
    let _held = store.lock("across-processes").await.unwrap();
    println!("locked");
    tokio::time::sleep(Duration::from_secs(120)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_lock_across_processes() {
    let db = TestDb::postgres().await;
    let store = db.store().await;
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_lock_holder", "--nocapture"])
        .env("SCRY_STORE_CHILD_CONN", db.conn())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let locked = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line == "locked" {
                return;
            }
        }
        panic!("the child exited without taking the lock");
    };
    tokio::time::timeout(Duration::from_secs(30), locked)
        .await
        .expect("the child takes the lock");

    assert!(store.try_lock("across-processes").await.unwrap().is_none());
    let waiter = tokio::spawn({
        let store = store.clone();
        async move { store.lock("across-processes").await }
    });
    tokio::time::sleep(SHORT).await;
    assert!(!waiter.is_finished(), "must wait for the other process");

    // The holder dies without unlocking: its session ends, and the lock with it.
    child.kill().await.unwrap();
    let taken = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the lock is freed when its holder dies")
        .unwrap()
        .unwrap();
    taken.release().await.unwrap();
}
