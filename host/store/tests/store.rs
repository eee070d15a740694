//! The store's contract, run against SQLite and PostgreSQL alike.

mod common;

use std::collections::HashSet;
use std::slice::from_ref;

use common::*;
use scry_model::{LayerArtifacts, ScannerKind};
use scry_store::testing::TestDb;
use scry_store::{IndexStore, ScannerFindings, index_rows};

both_backends!(
    layer_results,
    concurrent_layer_writers,
    index_reports,
    large_report,
    affected_manifests,
    deletion,
    deletion_skips_locked_manifests,
    reconnect_and_health,
    errors_name_the_subject,
);

async fn layer_results(db: &TestDb) {
    let store = db.store().await;
    let dpkg = scanner("dpkg", "1", ScannerKind::Package);
    let os = scanner("os-release", "1", ScannerKind::Distribution);
    let python = scanner("python", "1", ScannerKind::Package);
    let rpm = scanner("rpm", "1", ScannerKind::Package);
    store
        .register_scanners(&[dpkg.clone(), os.clone()])
        .await
        .unwrap();
    store
        .register_scanners(&[dpkg.clone(), os.clone()])
        .await
        .unwrap();
    let layers = [layer(1), layer(2)];
    let all = [dpkg.clone(), os.clone(), python.clone(), rpm.clone()];
    assert!(store.scanned(&layers, &all).await.unwrap().is_empty());

    let artifacts = LayerArtifacts {
        layer: layer(1),
        packages: vec![
            (dpkg.clone(), found("bash", "5.2.15-2+b2")),
            (dpkg.clone(), found("libc6", "2.36-9")),
        ],
        distributions: vec![(os.clone(), debian(""))],
        repositories: vec![],
        whiteouts: vec!["etc/.wh.motd".into(), "usr/lib/.wh..wh..opq".into()],
    };
    let ran = [dpkg.clone(), os.clone(), python.clone()];
    let results = ScannerFindings::split(&artifacts, &ran);
    assert_eq!(results.len(), 3);
    assert!(results[2].1.is_empty(), "python found nothing");
    store
        .put_layer_results(&layer(1), &results, &artifacts.whiteouts)
        .await
        .unwrap();

    // Empty results count as scanned; rpm never ran; layer 2 was never seen.
    let expect: HashSet<_> = ran.iter().map(|id| (layer(1), id.clone())).collect();
    assert_eq!(store.scanned(&layers, &all).await.unwrap(), expect);
    assert_eq!(
        store.layer_artifacts(&layer(1), &ran).await.unwrap(),
        artifacts
    );

    let only_os = store
        .layer_artifacts(&layer(1), from_ref(&os))
        .await
        .unwrap();
    assert!(only_os.packages.is_empty());
    assert_eq!(only_os.distributions, artifacts.distributions);
    assert_eq!(only_os.whiteouts, artifacts.whiteouts);

    // Storing a pair again keeps the first results.
    let other = ScannerFindings {
        packages: vec![found("zsh", "1")],
        ..Default::default()
    };
    store
        .put_layer_results(&layer(1), &[(dpkg.clone(), other)], &artifacts.whiteouts)
        .await
        .unwrap();
    assert_eq!(
        store.layer_artifacts(&layer(1), &ran).await.unwrap(),
        artifacts
    );

    // A new scanner version is a new scanner.
    let dpkg2 = scanner("dpkg", "2", ScannerKind::Package);
    assert!(store.scanned(&layers, &[dpkg2]).await.unwrap().is_empty());

    let unknown = store.layer_artifacts(&layer(9), &ran).await.unwrap();
    assert_eq!(unknown.layer, layer(9));
    assert!(unknown.packages.is_empty() && unknown.whiteouts.is_empty());
}

async fn concurrent_layer_writers(db: &TestDb) {
    let store = db.store().await;
    let dpkg = scanner("dpkg", "1", ScannerKind::Package);
    let findings = ScannerFindings {
        packages: vec![found("bash", "5")],
        ..Default::default()
    };
    let writers: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            let results = vec![(dpkg.clone(), findings.clone())];
            tokio::spawn(async move {
                // Half the writers share layer 1, the rest write their own layer.
                let target = layer(if n % 2 == 0 { 1 } else { 10 + n });
                store.put_layer_results(&target, &results, &[]).await
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    let layers: Vec<String> = [1, 11, 13, 15, 17].map(layer).to_vec();
    let scanned = store.scanned(&layers, from_ref(&dpkg)).await.unwrap();
    assert_eq!(scanned.len(), 5);
    let stored = store.layer_artifacts(&layer(1), &[dpkg]).await.unwrap();
    assert_eq!(stored.packages.len(), 1);
}

async fn index_reports(db: &TestDb) {
    let store = db.store().await;
    let m = manifest(1);
    assert!(store.index_report(&m).await.unwrap().is_none());
    assert!(store.manifest_layers(&m).await.unwrap().is_none());

    let first = debian_report(
        &m,
        &[
            ("bash", "5.2", None),
            ("libssl3", "3.0.11", Some("openssl")),
        ],
    );
    let layers = vec![layer(1), layer(2), layer(1)];
    store
        .put_index_report(&m, &layers, &first, "state-a")
        .await
        .unwrap();
    let (report, state) = store.index_report(&m).await.unwrap().unwrap();
    assert_eq!((report, state.as_str()), (first.clone(), "state-a"));
    assert_eq!(store.manifest_layers(&m).await.unwrap(), Some(layers));
    assert_eq!(store.affected_manifests("bash").await.unwrap().len(), 1);

    // A newer report replaces everything about the manifest.
    let second = debian_report(&m, &[("zsh", "5.9", None)]);
    store
        .put_index_report(&m, &[layer(3)], &second, "state-b")
        .await
        .unwrap();
    let (report, state) = store.index_report(&m).await.unwrap().unwrap();
    assert_eq!((report, state.as_str()), (second, "state-b"));
    assert_eq!(
        store.manifest_layers(&m).await.unwrap(),
        Some(vec![layer(3)])
    );
    assert!(store.affected_manifests("bash").await.unwrap().is_empty());
    assert!(
        store
            .affected_manifests("openssl")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.affected_manifests("zsh").await.unwrap().len(), 1);

    // Progress reports (no packages yet) are stored the same way.
    let other = manifest(2);
    let mut progress = debian_report(&other, &[]);
    progress.state = "FetchLayers".into();
    progress.success = false;
    store
        .put_index_report(&other, &[], &progress, "state-b")
        .await
        .unwrap();
    assert_eq!(
        store.index_report(&other).await.unwrap().unwrap().0,
        progress
    );
    assert_eq!(store.manifest_layers(&other).await.unwrap(), Some(vec![]));
}

async fn large_report(db: &TestDb) {
    // More rows and layers than one multi-row INSERT takes.
    let store = db.store().await;
    let m = manifest(1);
    let names: Vec<String> = (0..1234).map(|n| format!("pkg-{n}")).collect();
    let packages: Vec<(&str, &str, Option<&str>)> = names
        .iter()
        .map(|name| (name.as_str(), "1.0", Some("big")))
        .collect();
    let report = debian_report(&m, &packages);
    let layers: Vec<String> = (0..700).map(layer).collect();
    store
        .put_index_report(&m, &layers, &report, "s")
        .await
        .unwrap();
    assert_eq!(store.index_report(&m).await.unwrap().unwrap().0, report);
    assert_eq!(
        store.manifest_layers(&m).await.unwrap(),
        Some(layers.clone())
    );
    assert_eq!(store.affected_manifests("big").await.unwrap().len(), 1234);
    let scanned = store
        .scanned(&layers, &[scanner("dpkg", "1", ScannerKind::Package)])
        .await
        .unwrap();
    assert!(scanned.is_empty());
}

async fn affected_manifests(db: &TestDb) {
    let store = db.store().await;
    let (m1, m2) = (manifest(1), manifest(2));
    let mut first = debian_report(
        &m1,
        &[
            ("openssl", "3.0.11", Some("openssl")),
            ("libssl3", "3.0.11", Some("openssl")),
        ],
    );
    // A Python package: its own repository, no distribution.
    first.repository.insert("7".into(), pypi("7"));
    first
        .packages
        .insert("9".into(), package("9", "requests", "2.31.0", None));
    first.environments.insert(
        "9".into(),
        vec![environment("usr/lib/python3/dist-packages", "", &["7"])],
    );
    // Found in two package databases: a row for each.
    first
        .environments
        .get_mut("1")
        .unwrap()
        .push(environment("var/lib/other", "1", &[]));
    let second = debian_report(&m2, &[("libssl3", "3.0.9", Some("openssl"))]);
    store
        .put_index_report(&m1, &[layer(1)], &first, "s")
        .await
        .unwrap();
    store
        .put_index_report(&m2, &[layer(2)], &second, "s")
        .await
        .unwrap();

    let rows = store.affected_manifests("openssl").await.unwrap();
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row.manifest.as_str(),
                row.package.name.as_str(),
                row.package_db.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (m1.as_str(), "openssl", "var/lib/dpkg/status"),
            (m1.as_str(), "openssl", "var/lib/other"),
            (m1.as_str(), "libssl3", "var/lib/dpkg/status"),
            (m2.as_str(), "libssl3", "var/lib/dpkg/status"),
        ]
    );
    let libssl = &rows[2];
    assert_eq!(libssl.distribution.as_ref(), Some(&debian("1")));
    assert_eq!(libssl.package, first.packages["2"]);
    assert_eq!(libssl.repository, None);

    // Rows come back exactly as the report expands.
    let all_rows = index_rows(&m1, &first);
    assert_eq!(all_rows.len(), 4, "openssl twice, libssl3, requests");
    let requests = store.affected_manifests("requests").await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(all_rows.contains(&requests[0]));
    assert_eq!(requests[0].repository.as_ref(), Some(&pypi("7")));
    assert_eq!(requests[0].distribution, None);
    assert!(
        store
            .affected_manifests("nothing")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn deletion(db: &TestDb) {
    let store = db.store().await;
    let dpkg = scanner("dpkg", "1", ScannerKind::Package);
    let (m1, m2) = (manifest(1), manifest(2));
    let (only1, shared, only2, orphan) = (layer(1), layer(2), layer(3), layer(4));
    let results = vec![(
        dpkg.clone(),
        ScannerFindings {
            packages: vec![found("bash", "5")],
            ..Default::default()
        },
    )];
    for layer in [&only1, &shared, &only2, &orphan] {
        store.put_layer_results(layer, &results, &[]).await.unwrap();
    }
    let report1 = debian_report(&m1, &[("bash", "5", None)]);
    let report2 = debian_report(&m2, &[("bash", "5", None)]);
    store
        .put_index_report(&m1, &[only1.clone(), shared.clone()], &report1, "s")
        .await
        .unwrap();
    store
        .put_index_report(&m2, &[shared.clone(), only2.clone()], &report2, "s")
        .await
        .unwrap();
    let every = vec![only1.clone(), shared.clone(), only2.clone(), orphan.clone()];
    let scanned_layers = |scanned: HashSet<(String, _)>| {
        let mut layers: Vec<String> = scanned.into_iter().map(|(layer, _)| layer).collect();
        layers.sort();
        layers
    };

    let asked = vec![m1.clone(), manifest(9), m1.clone()];
    assert_eq!(
        store.delete_manifests(&asked).await.unwrap(),
        vec![m1.clone()]
    );
    assert!(store.index_report(&m1).await.unwrap().is_none());
    assert!(store.manifest_layers(&m1).await.unwrap().is_none());
    let rows = store.affected_manifests("bash").await.unwrap();
    assert_eq!(rows.iter().map(|r| &r.manifest).collect::<Vec<_>>(), [&m2]);
    assert!(store.index_report(&m2).await.unwrap().is_some());
    // Only the layer no other manifest lists went; the orphan was never listed.
    let left = store.scanned(&every, from_ref(&dpkg)).await.unwrap();
    assert_eq!(
        scanned_layers(left),
        [shared.clone(), only2.clone(), orphan.clone()]
    );
    assert!(
        store
            .layer_artifacts(&only1, from_ref(&dpkg))
            .await
            .unwrap()
            .packages
            .is_empty()
    );

    let deleted = store.delete_manifests(from_ref(&m2)).await.unwrap();
    assert_eq!(deleted, [m2]);
    let left = store.scanned(&every, &[dpkg]).await.unwrap();
    assert_eq!(scanned_layers(left), [orphan]);
    assert!(store.affected_manifests("bash").await.unwrap().is_empty());
    assert!(store.delete_manifests(&[]).await.unwrap().is_empty());

    // The digests can be indexed again afterwards.
    store
        .put_index_report(&m1, &[only1], &report1, "s")
        .await
        .unwrap();
    assert!(store.index_report(&m1).await.unwrap().is_some());
}

async fn deletion_skips_locked_manifests(db: &TestDb) {
    let store = db.store().await;
    let m = manifest(1);
    let report = debian_report(&m, &[("bash", "5", None)]);
    store
        .put_index_report(&m, &[layer(1)], &report, "s")
        .await
        .unwrap();
    let indexing = store.lock(&m).await.unwrap();
    assert!(
        store
            .delete_manifests(from_ref(&m))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.index_report(&m).await.unwrap().is_some());
    indexing.release().await.unwrap();
    assert_eq!(store.delete_manifests(from_ref(&m)).await.unwrap(), [m]);
}

async fn reconnect_and_health(db: &TestDb) {
    let store = db.store().await;
    assert_eq!(
        store.backend(),
        if db.conn().starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        }
    );
    store.ping().await.unwrap();
    let (size, idle) = store.pool_stats();
    assert!(size >= 1 && idle <= size as usize, "{size} {idle}");
    let m = manifest(1);
    let report = debian_report(&m, &[("bash", "5", None)]);
    store
        .put_index_report(&m, &[layer(1)], &report, "s")
        .await
        .unwrap();
    store.close().await;

    // Migrations run again are a no-op; without them the schema is used as it is.
    let again = IndexStore::connect(db.conn(), true).await.unwrap();
    assert_eq!(again.index_report(&m).await.unwrap().unwrap().0, report);
    let plain = IndexStore::connect(db.conn(), false).await.unwrap();
    assert_eq!(plain.index_report(&m).await.unwrap().unwrap().0, report);
}

async fn errors_name_the_subject(db: &TestDb) {
    let store = db.store().await;
    store.close().await;
    let m = manifest(5);
    let err = store.index_report(&m).await.unwrap_err().to_string();
    assert!(err.contains(&m), "{err}");
    let err = store
        .put_layer_results(&layer(5), &[], &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&layer(5)), "{err}");
}

#[tokio::test]
async fn connect_errors_say_where() {
    let err = IndexStore::connect("/dev/null/sub/scry.db", true)
        .await
        .err()
        .expect("no directory can be made under /dev/null")
        .to_string();
    assert!(err.contains("/dev/null/sub"), "{err}");
    let err = IndexStore::connect("postgres://scry@127.0.0.1:1/nowhere", false)
        .await
        .err()
        .expect("nothing listens on port 1")
        .to_string();
    assert!(err.contains("PostgreSQL scry@127.0.0.1:1/nowhere"), "{err}");
    assert!(err.contains("refused"), "says why: {err}");
    let err = IndexStore::connect("host=127.0.0.1 port=x", false)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("port"), "{err}");
    let err = IndexStore::connect("host=127.0.0.1 port=1 user=scry dbname=x", false)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("scry@127.0.0.1:1/x"), "{err}");
}

#[tokio::test]
async fn sqlite_in_memory() {
    let store = IndexStore::connect("sqlite::memory:", true).await.unwrap();
    let m = manifest(1);
    let report = debian_report(&m, &[("bash", "5", None)]);
    store
        .put_index_report(&m, &[layer(1)], &report, "s")
        .await
        .unwrap();
    assert_eq!(store.index_report(&m).await.unwrap().unwrap().0, report);
}
