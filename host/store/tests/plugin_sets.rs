//! The plugin sets on both backends: overrides recorded with their components, a
//! version that moves with every change, removals kept as overrides, and the
//! indexer's scanner set and the matcher's matcher set apart in one database.

mod common;

use std::sync::Arc;
use std::time::Duration;

use scry_store::PluginOverride;
use scry_store::testing::TestDb;
use tokio::sync::Notify;

both_backends!(
    overrides_follow_every_change,
    scanner_and_matcher_sets_share_one_database,
    changes_are_announced_on_postgresql,
);

fn entry(name: &str, hash: Option<&str>, origin: &str) -> PluginOverride {
    PluginOverride {
        name: name.into(),
        hash: hash.map(str::to_string),
        origin: origin.into(),
    }
}

async fn overrides_follow_every_change(db: &TestDb) {
    let set = db.store().await.plugin_set();
    assert_eq!(set.overrides().await.unwrap(), (0, Vec::new()));

    set.put("dpkg", "sha256:aa", b"\0asm one", "api")
        .await
        .unwrap();
    set.put("gemspec", "sha256:bb", b"\0asm two", "directory")
        .await
        .unwrap();
    let (version, overrides) = set.overrides().await.unwrap();
    assert_eq!(version, 2);
    assert_eq!(
        overrides,
        vec![
            entry("dpkg", Some("sha256:aa"), "api"),
            entry("gemspec", Some("sha256:bb"), "directory"),
        ]
    );
    assert_eq!(set.blob("sha256:aa").await.unwrap().unwrap(), b"\0asm one");
    assert_eq!(set.blob("sha256:cc").await.unwrap(), None);

    // The same component again under another name is stored once and still applies.
    set.put("dpkg-copy", "sha256:aa", b"\0asm one", "api")
        .await
        .unwrap();
    // Removing a built-in is an override too, so every process drops it.
    set.remove("dpkg", "api").await.unwrap();
    let (version, overrides) = set.overrides().await.unwrap();
    assert_eq!(version, 4);
    assert_eq!(overrides[0], entry("dpkg", None, "api"));
    assert_eq!(overrides[1], entry("dpkg-copy", Some("sha256:aa"), "api"));
    assert_eq!(set.blob("sha256:aa").await.unwrap().unwrap(), b"\0asm one");
}

async fn scanner_and_matcher_sets_share_one_database(db: &TestDb) {
    let scanners = db.store().await.plugin_set();
    let matchers = db.vuln_store().await.plugin_set();
    scanners
        .put("dpkg", "sha256:aa", b"\0asm scanner", "api")
        .await
        .unwrap();
    matchers
        .put("debian", "sha256:bb", b"\0asm matcher", "api")
        .await
        .unwrap();
    matchers.remove("python", "api").await.unwrap();
    assert_eq!(
        scanners.overrides().await.unwrap(),
        (1, vec![entry("dpkg", Some("sha256:aa"), "api")])
    );
    assert_eq!(
        matchers.overrides().await.unwrap(),
        (
            2,
            vec![
                entry("debian", Some("sha256:bb"), "api"),
                entry("python", None, "api"),
            ]
        )
    );
    assert_eq!(matchers.blob("sha256:aa").await.unwrap(), None);
    assert_eq!(scanners.blob("sha256:bb").await.unwrap(), None);
}

async fn changes_are_announced_on_postgresql(db: &TestDb) {
    let scanners = db.store().await.plugin_set();
    let wake = Arc::new(Notify::new());
    let listening = tokio::spawn({
        let (set, wake) = (scanners.clone(), wake.clone());
        async move { set.listen(wake).await }
    });
    if !db.conn().starts_with("postgres") {
        // One process per SQLite file: nothing to hear, so it returns and followers poll.
        let done = tokio::time::timeout(Duration::from_secs(5), listening).await;
        assert!(done.unwrap().unwrap().is_ok());
        return;
    }
    // Let LISTEN take effect before the first change.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let other_process = db.store().await.plugin_set();
    other_process
        .put("dpkg", "sha256:aa", b"\0asm", "api")
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), wake.notified())
        .await
        .expect("a change on another connection is heard");
    // The matcher's set has its own channel.
    db.vuln_store()
        .await
        .plugin_set()
        .remove("debian-matcher", "api")
        .await
        .unwrap();
    let heard = tokio::time::timeout(Duration::from_millis(500), wake.notified()).await;
    assert!(heard.is_err(), "a matcher change woke the scanner set");
    listening.abort();
}
