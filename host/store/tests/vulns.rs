//! The vulnerability store's contract, run against SQLite and PostgreSQL alike.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use scry_model::{
    Distribution, EnrichmentRecord, Package, Repository, UpdateKind, UpdateOperation, VersionRange,
    Vulnerability,
};
use scry_store::testing::TestDb;
use scry_store::{StoreError, UpdaterStatus, VulnStore};
use serde_json::json;

const VULN: UpdateKind = UpdateKind::Vulnerability;
const DEBIAN: &str = "debian/updater";

both_backends!(
    writes_and_reads_back,
    content_hash_dedupe,
    latest_only_visibility,
    diff_added_and_removed,
    delta_carry_over_and_deletion,
    gc_retention_in_bounded_batches,
    abandoned_writer_leaves_nothing,
    unknown_refs_are_named,
    deleting_the_latest_falls_back,
    enrichments_by_tag,
    updater_status,
    shares_a_database_with_the_indexer,
    concurrent_writers,
);

/// A vulnerability in the shape the store returns it (ids and updater aside).
fn vuln(name: &str, package: &str, fixed: &str) -> Vulnerability {
    Vulnerability {
        id: String::new(),
        updater: String::new(),
        name: name.into(),
        description: format!("{name} in {package}"),
        issued: "2024-03-01T00:00:00Z".into(),
        links: format!("https://security-tracker.debian.org/tracker/{name}"),
        severity: "medium".into(),
        normalized_severity: "High".into(),
        package: Some(Package {
            id: String::new(),
            name: package.into(),
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
        repository: Some(Repository::default()),
        fixed_in_version: fixed.into(),
        range: None,
        arch_op: String::new(),
    }
}

/// The fields the store does not keep from input: id and updater.
fn bare(v: &Vulnerability) -> Vulnerability {
    Vulnerability {
        id: String::new(),
        updater: String::new(),
        ..v.clone()
    }
}

fn names(vulns: &[Vulnerability]) -> BTreeSet<(String, String)> {
    vulns
        .iter()
        .map(|v| (v.name.clone(), v.fixed_in_version.clone()))
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn update(
    store: &VulnStore,
    updater: &str,
    fingerprint: &str,
    vulns: &[Vulnerability],
) -> UpdateOperation {
    let mut writer = store
        .begin_update(updater, fingerprint, VULN, false)
        .await
        .unwrap();
    writer.add_vulnerabilities(vulns).await.unwrap();
    writer.commit().await.unwrap()
}

/// Names and fixed versions visible for these packages.
async fn visible(store: &VulnStore, packages: &[&str]) -> BTreeSet<(String, String)> {
    let found = store
        .vulnerabilities_for_packages(&strings(packages))
        .await
        .unwrap();
    found
        .values()
        .flatten()
        .map(|v| (v.name.clone(), v.fixed_in_version.clone()))
        .collect()
}

fn pair(name: &str, fixed: &str) -> (String, String) {
    (name.into(), fixed.into())
}

async fn writes_and_reads_back(db: &TestDb) {
    let store = db.vuln_store().await;
    store.ping().await.unwrap();
    assert!(!store.initialized().await.unwrap());
    assert_eq!(store.latest_fingerprint(DEBIAN, VULN).await.unwrap(), None);
    assert_eq!(store.latest_ref(VULN).await.unwrap(), None);

    let openssl = vuln("CVE-2024-0001", "openssl", "3.0.13-1");
    let mut ranged = vuln("CVE-2024-0002", "bash", "");
    ranged.range = Some(VersionRange {
        lower: "dpkg:0.0.0.0.0.0.0.0.0.0".into(),
        upper: "dpkg:5.2.0.0.0.0.0.0.0.0".into(),
    });
    ranged.arch_op = "equals".into();
    ranged.repository = Some(Repository {
        id: String::new(),
        name: "cpe:/o:redhat:enterprise_linux:9::baseos".into(),
        key: "rhel-cpe-repository".into(),
        uri: String::new(),
        cpe: "cpe:/o:redhat:enterprise_linux:9::baseos".into(),
    });
    let mut nameless = vuln("CVE-2024-0003", "", "1");
    nameless.package = None;
    let mut writer = store
        .begin_update(DEBIAN, "etag-1", VULN, false)
        .await
        .unwrap();
    let pending = writer.operation().clone();
    let kept = writer
        .add_vulnerabilities(&[openssl.clone(), ranged.clone(), nameless, openssl.clone()])
        .await
        .unwrap();
    assert_eq!(kept, 2, "nameless dropped, duplicate folded");
    let op = writer.commit().await.unwrap();
    assert_eq!(op, pending);
    assert_eq!(op.updater, DEBIAN);
    assert_eq!(op.fingerprint, "etag-1");
    assert_eq!(op.kind, "vulnerability");
    assert_eq!(op.reference.len(), 36, "a UUID: {}", op.reference);
    assert_eq!(&op.reference[14..15], "4", "version 4: {}", op.reference);
    assert!(op.date.ends_with('Z') && op.date.len() == 27, "{}", op.date);

    assert!(store.initialized().await.unwrap());
    assert_eq!(
        store.latest_fingerprint(DEBIAN, VULN).await.unwrap(),
        Some("etag-1".into())
    );
    assert_eq!(
        store
            .latest_fingerprint(DEBIAN, UpdateKind::Enrichment)
            .await
            .unwrap(),
        None
    );
    assert!(store.has_operation(DEBIAN, VULN, "etag-1").await.unwrap());
    assert!(!store.has_operation(DEBIAN, VULN, "etag-2").await.unwrap());
    assert!(!store.has_operation("other", VULN, "etag-1").await.unwrap());
    assert_eq!(
        store.latest_ref(VULN).await.unwrap(),
        Some(op.reference.clone())
    );
    assert_eq!(store.update_operation(&op.reference).await.unwrap(), op);

    let found = store
        .vulnerabilities_for_packages(&strings(&["openssl", "bash", "zlib"]))
        .await
        .unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    let got = &found["openssl"][0];
    assert_eq!(got.updater, DEBIAN);
    assert!(got.id.parse::<i64>().unwrap() > 0, "row id: {}", got.id);
    assert_eq!(bare(got), openssl);
    assert_eq!(bare(&found["bash"][0]), ranged);

    let all = store.all_vulnerabilities_of(&op.reference).await.unwrap();
    assert_eq!(all.len(), 2);
    let page = store
        .vulnerabilities_page(&op.reference, all[0].id.parse().unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(page, all[1..]);

    let listed = store.update_operations(VULN, false).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[DEBIAN], vec![op]);
    assert!(
        store
            .update_operations(UpdateKind::Enrichment, false)
            .await
            .unwrap()
            .is_empty()
    );
    let (open, _idle) = store.pool_stats();
    assert!(open >= 1);
    assert!(matches!(store.backend(), "sqlite" | "postgres"));
    store.close().await;
}

async fn content_hash_dedupe(db: &TestDb) {
    let store = db.vuln_store().await;
    let a = vuln("CVE-1", "openssl", "1");
    let b = vuln("CVE-2", "openssl", "1");
    let mut b_changed = b.clone();
    b_changed.description = "clarified".into();
    let mut a_rerated = a.clone();
    a_rerated.normalized_severity = "Critical".into();

    let first = update(&store, DEBIAN, "1", &[a.clone(), b.clone()]).await;
    let second = update(&store, DEBIAN, "2", &[a_rerated, b_changed]).await;
    let ids = |vulns: Vec<Vulnerability>| -> BTreeSet<String> {
        vulns.into_iter().map(|v| v.id).collect()
    };
    let first_ids = ids(store
        .all_vulnerabilities_of(&first.reference)
        .await
        .unwrap());
    let second_ids = ids(store
        .all_vulnerabilities_of(&second.reference)
        .await
        .unwrap());
    assert_eq!(
        first_ids.intersection(&second_ids).count(),
        1,
        "a is shared, b changed: {first_ids:?} {second_ids:?}"
    );
    // Normalized severity is not part of the hash: the stored row keeps the first.
    let second_all = store
        .all_vulnerabilities_of(&second.reference)
        .await
        .unwrap();
    let shared = second_all.iter().find(|v| v.name == "CVE-1").unwrap();
    assert_eq!(shared.normalized_severity, "High");

    // Another updater stating the same thing gets its own row, named after it.
    let other = update(&store, "ubuntu/updater/noble", "1", from_ref(&a)).await;
    let other_all = store
        .all_vulnerabilities_of(&other.reference)
        .await
        .unwrap();
    assert!(!first_ids.contains(&other_all[0].id));
    assert_eq!(other_all[0].updater, "ubuntu/updater/noble");
}

fn from_ref(v: &Vulnerability) -> &[Vulnerability] {
    std::slice::from_ref(v)
}

async fn latest_only_visibility(db: &TestDb) {
    let store = db.vuln_store().await;
    let first = update(&store, DEBIAN, "1", &[vuln("CVE-1", "openssl", "1")]).await;
    update(
        &store,
        "alpine-main-v3.19-updater",
        "1",
        &[vuln("CVE-9", "openssl", "9")],
    )
    .await;
    let second = update(&store, DEBIAN, "2", &[vuln("CVE-2", "bash", "2")]).await;
    assert_eq!(
        visible(&store, &["openssl", "bash"]).await,
        BTreeSet::from([pair("CVE-2", "2"), pair("CVE-9", "9")])
    );
    // An enrichment operation of the same name does not hide vulnerabilities.
    let enrich = store
        .begin_update(DEBIAN, "e", UpdateKind::Enrichment, false)
        .await
        .unwrap();
    enrich.commit().await.unwrap();
    assert_eq!(visible(&store, &["bash"]).await.len(), 1);

    let all = store.update_operations(VULN, false).await.unwrap();
    assert_eq!(all[DEBIAN], vec![second.clone(), first], "newest first");
    let latest = store.update_operations(VULN, true).await.unwrap();
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[DEBIAN], vec![second]);
    let newest = update(&store, "alpine-main-v3.19-updater", "2", &[]).await;
    assert_eq!(
        store.latest_ref(VULN).await.unwrap(),
        Some(newest.reference)
    );
    assert_eq!(
        visible(&store, &["openssl", "bash"]).await,
        BTreeSet::from([pair("CVE-2", "2")]),
        "an empty operation empties its updater"
    );
}

async fn diff_added_and_removed(db: &TestDb) {
    let store = db.vuln_store().await;
    let a = vuln("CVE-1", "openssl", "1");
    let b = vuln("CVE-2", "openssl", "1");
    let b_fixed = vuln("CVE-2", "openssl", "2");
    let c = vuln("CVE-3", "bash", "1");
    let prev = update(&store, DEBIAN, "1", &[a.clone(), b.clone()]).await;
    let cur = update(&store, DEBIAN, "2", &[a, b_fixed, c]).await;

    let diff = store
        .update_diff(Some(&prev.reference), &cur.reference)
        .await
        .unwrap();
    assert_eq!(diff.prev, prev);
    assert_eq!(diff.cur, cur);
    let added = diff.added.unwrap();
    assert_eq!(
        names(&added),
        BTreeSet::from([pair("CVE-2", "2"), pair("CVE-3", "1")])
    );
    assert!(
        added
            .iter()
            .all(|v| v.updater == DEBIAN && !v.id.is_empty())
    );
    assert_eq!(
        names(&diff.removed.unwrap()),
        BTreeSet::from([pair("CVE-2", "1")])
    );

    let from_nothing = store.update_diff(None, &prev.reference).await.unwrap();
    assert_eq!(from_nothing.prev, UpdateOperation::zero());
    assert_eq!(from_nothing.added.unwrap().len(), 2);
    assert_eq!(from_nothing.removed, None);

    let same = store
        .update_diff(Some(&cur.reference), &cur.reference)
        .await
        .unwrap();
    assert_eq!((same.added, same.removed), (None, None), "null, as Clair");
}

async fn delta_carry_over_and_deletion(db: &TestDb) {
    let store = db.vuln_store().await;
    const VEX: &str = "rhel-vex";
    let delta = |fingerprint: &'static str| store.begin_update(VEX, fingerprint, VULN, true);

    let mut first = delta("1").await.unwrap();
    first
        .add_vulnerabilities(&[
            vuln("CVE-1", "openssl", "1"),
            vuln("CVE-2", "bash", "1"),
            vuln("CVE-3", "zlib", "1"),
            vuln("CVE-3", "gzip", "1"),
        ])
        .await
        .unwrap();
    first.commit().await.unwrap();
    let everything = ["openssl", "bash", "zlib", "gzip"];
    let found = store
        .vulnerabilities_for_packages(&strings(&everything))
        .await
        .unwrap();
    assert_eq!(found.values().flatten().count(), 4);

    // CVE-2 restated, CVE-3 withdrawn (both its rows), CVE-1 untouched.
    let mut second = delta("2").await.unwrap();
    second
        .add_vulnerabilities(&[vuln("CVE-2", "bash", "2")])
        .await
        .unwrap();
    second
        .delete_names(&strings(&["CVE-3", "CVE-404"]))
        .await
        .unwrap();
    let second = second.commit().await.unwrap();
    let expect = BTreeSet::from([pair("CVE-1", "1"), pair("CVE-2", "2")]);
    assert_eq!(visible(&store, &everything).await, expect);
    assert_eq!(
        names(
            &store
                .all_vulnerabilities_of(&second.reference)
                .await
                .unwrap()
        ),
        expect
    );

    // A delta with nothing new carries everything over.
    delta("3").await.unwrap().commit().await.unwrap();
    assert_eq!(visible(&store, &everything).await, expect);

    // A full (non-delta) update replaces everything.
    update(&store, VEX, "4", &[vuln("CVE-5", "bash", "5")]).await;
    assert_eq!(
        visible(&store, &everything).await,
        BTreeSet::from([pair("CVE-5", "5")])
    );
}

async fn gc_retention_in_bounded_batches(db: &TestDb) {
    let store = db.vuln_store().await;
    let shared = vuln("CVE-0", "openssl", "0");
    let mut refs = Vec::new();
    for n in 1..=5 {
        let own = vuln(&format!("CVE-{n}"), "openssl", "1");
        refs.push(update(&store, DEBIAN, &n.to_string(), &[shared.clone(), own]).await);
    }
    update(&store, "other", "1", &[vuln("CVE-9", "bash", "1")]).await;
    assert_eq!(
        store.gc(0, 10).await.unwrap(),
        Default::default(),
        "retention 0: off"
    );

    let outcome = store.gc(2, 2).await.unwrap();
    assert_eq!(outcome.deleted_operations, 2);
    assert_eq!(outcome.remaining, 1);
    assert_eq!(
        outcome.deleted_vulnerabilities, 2,
        "CVE-1, CVE-2; CVE-0 still linked"
    );
    // The oldest went first.
    assert!(matches!(
        store.update_operation(&refs[0].reference).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.update_operation(&refs[2].reference).await.is_ok());

    let outcome = store.gc(2, 2).await.unwrap();
    assert_eq!((outcome.deleted_operations, outcome.remaining), (1, 0));
    assert_eq!(outcome.deleted_vulnerabilities, 1);
    let kept: Vec<UpdateOperation> =
        store.update_operations(VULN, false).await.unwrap()[DEBIAN].clone();
    assert_eq!(kept, vec![refs[4].clone(), refs[3].clone()]);
    assert_eq!(store.gc(2, 2).await.unwrap(), Default::default());
    assert_eq!(
        visible(&store, &["openssl", "bash"]).await,
        BTreeSet::from([pair("CVE-0", "0"), pair("CVE-5", "1"), pair("CVE-9", "1")])
    );
    // The previous operation is still whole for diffs.
    let diff = store
        .update_diff(Some(&refs[3].reference), &refs[4].reference)
        .await
        .unwrap();
    assert_eq!(
        names(&diff.added.unwrap()),
        BTreeSet::from([pair("CVE-5", "1")])
    );

    // Rows only a deleted operation linked go at the next GC.
    store
        .delete_update_operations(std::slice::from_ref(&refs[3].reference))
        .await
        .unwrap();
    assert_eq!(store.gc(2, 2).await.unwrap().deleted_vulnerabilities, 1);
}

async fn abandoned_writer_leaves_nothing(db: &TestDb) {
    let store = db.vuln_store().await;
    let mut writer = store.begin_update(DEBIAN, "1", VULN, false).await.unwrap();
    writer
        .add_vulnerabilities(&[vuln("CVE-1", "openssl", "1")])
        .await
        .unwrap();
    writer
        .add_enrichments(&[EnrichmentRecord {
            tags: strings(&["CVE-1"]),
            enrichment: json!({"baseScore": 9.8}),
        }])
        .await
        .unwrap();
    let reference = writer.operation().reference.clone();
    drop(writer);

    assert!(!store.initialized().await.unwrap());
    assert_eq!(store.latest_fingerprint(DEBIAN, VULN).await.unwrap(), None);
    assert!(
        store
            .update_operations(VULN, false)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.all_vulnerabilities_of(&reference).await.is_err());
    assert!(visible(&store, &["openssl"]).await.is_empty());
    // The next writer is not blocked by the abandoned one.
    update(&store, DEBIAN, "2", &[vuln("CVE-1", "openssl", "1")]).await;
    assert_eq!(visible(&store, &["openssl"]).await.len(), 1);
}

async fn unknown_refs_are_named(db: &TestDb) {
    let store = db.vuln_store().await;
    let op = update(&store, DEBIAN, "1", &[vuln("CVE-1", "openssl", "1")]).await;
    let missing = "7c9d2a51-0000-4000-8000-000000000000";
    let named = |err: StoreError| {
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(missing), "{text}");
    };
    named(
        store
            .update_diff(Some(missing), &op.reference)
            .await
            .unwrap_err(),
    );
    named(store.update_diff(None, missing).await.unwrap_err());
    named(store.all_vulnerabilities_of(missing).await.unwrap_err());
    named(store.all_enrichments_of(missing).await.unwrap_err());
    named(store.update_operation(missing).await.unwrap_err());
    assert_eq!(
        store
            .delete_update_operations(&[missing.to_string()])
            .await
            .unwrap(),
        0
    );
}

async fn deleting_the_latest_falls_back(db: &TestDb) {
    let store = db.vuln_store().await;
    let first = update(&store, DEBIAN, "1", &[vuln("CVE-1", "openssl", "1")]).await;
    let second = update(&store, DEBIAN, "2", &[vuln("CVE-2", "openssl", "2")]).await;
    assert_eq!(
        store
            .delete_update_operations(std::slice::from_ref(&second.reference))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        visible(&store, &["openssl"]).await,
        BTreeSet::from([pair("CVE-1", "1")])
    );
    assert_eq!(
        store.latest_fingerprint(DEBIAN, VULN).await.unwrap(),
        Some("1".into())
    );
    assert_eq!(
        store.update_operations(VULN, true).await.unwrap()[DEBIAN],
        vec![first.clone()]
    );
    store
        .delete_update_operations(&[first.reference])
        .await
        .unwrap();
    assert!(visible(&store, &["openssl"]).await.is_empty());
    assert_eq!(store.latest_fingerprint(DEBIAN, VULN).await.unwrap(), None);
}

async fn enrichments_by_tag(db: &TestDb) {
    let store = db.vuln_store().await;
    const CVSS: &str = "clair.cvss";
    let record = |tags: &[&str], score: f64| EnrichmentRecord {
        tags: strings(tags),
        enrichment: json!({"baseScore": score, "vectorString": "CVSS:3.1/AV:N"}),
    };
    let kind = UpdateKind::Enrichment;
    let mut writer = store.begin_update(CVSS, "1", kind, false).await.unwrap();
    let records = [
        record(&["CVE-1"], 9.8),
        record(&["CVE-1", "CVE-2"], 5.0),
        record(&["CVE-3"], 1.0),
        record(&["CVE-3"], 1.0),
    ];
    assert_eq!(writer.add_enrichments(&records).await.unwrap(), 3);
    let first = writer.commit().await.unwrap();
    assert_eq!(first.kind, "enrichment");
    assert_eq!(
        store.latest_fingerprint(CVSS, kind).await.unwrap(),
        Some("1".into())
    );

    let found = store
        .enrichments(CVSS, &strings(&["CVE-1", "CVE-2", "CVE-404"]))
        .await
        .unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    let scores = |tag: &str| -> Vec<f64> {
        let mut s: Vec<f64> = found[tag]
            .iter()
            .map(|v| v["baseScore"].as_f64().unwrap())
            .collect();
        s.sort_by(f64::total_cmp);
        s
    };
    assert_eq!(scores("CVE-1"), vec![5.0, 9.8]);
    assert_eq!(scores("CVE-2"), vec![5.0]);
    assert!(
        store
            .enrichments("other", &strings(&["CVE-1"]))
            .await
            .unwrap()
            .is_empty()
    );
    let mut stored = store.all_enrichments_of(&first.reference).await.unwrap();
    stored.sort_by(|a, b| a.tags.cmp(&b.tags));
    assert_eq!(
        stored,
        vec![records[0].clone(), records[1].clone(), records[2].clone()]
    );

    // Only the latest operation counts; an unchanged record is reused.
    let mut writer = store.begin_update(CVSS, "2", kind, false).await.unwrap();
    writer
        .add_enrichments(&[record(&["CVE-1"], 9.8), record(&["CVE-2"], 7.5)])
        .await
        .unwrap();
    writer.commit().await.unwrap();
    let found = store
        .enrichments(CVSS, &strings(&["CVE-1", "CVE-2", "CVE-3"]))
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found["CVE-1"].len(), 1);
    assert_eq!(found["CVE-2"][0]["baseScore"], json!(7.5));
    // Enrichment records alone do not make the matcher initialized.
    assert!(!store.initialized().await.unwrap());
    let outcome = store.gc(1, 10).await.unwrap();
    assert_eq!(
        (outcome.deleted_operations, outcome.deleted_enrichments),
        (1, 2)
    );
}

async fn updater_status(db: &TestDb) {
    let store = db.vuln_store().await;
    assert!(store.updater_statuses().await.unwrap().is_empty());
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(123);
    let success = UpdaterStatus {
        last_attempt: at(1_767_225_600),
        last_success: Some(at(1_767_225_660)),
        last_run_succeeded: true,
        last_attempt_fingerprint: "etag-1".into(),
        last_error: String::new(),
    };
    let record = |name: &'static str, status: &UpdaterStatus| {
        store.record_updater_status(name, status.clone())
    };
    record(DEBIAN, &success).await.unwrap();
    let failure = UpdaterStatus {
        last_attempt: at(1_767_247_200),
        last_success: None,
        last_run_succeeded: false,
        last_attempt_fingerprint: String::new(),
        last_error: "fetching json: 503".into(),
    };
    record(DEBIAN, &failure).await.unwrap();
    record("alpine", &success).await.unwrap();
    let statuses = store.updater_statuses().await.unwrap();
    let expect_debian = UpdaterStatus {
        last_success: success.last_success,
        ..failure
    };
    assert_eq!(
        statuses,
        vec![
            ("alpine".to_string(), success),
            (DEBIAN.to_string(), expect_debian)
        ]
    );
}

async fn shares_a_database_with_the_indexer(db: &TestDb) {
    // Either migrator may run first; each tolerates the other's versions.
    let vulns = db.vuln_store().await;
    let indexer = db.store().await;
    indexer.ping().await.unwrap();
    update(&vulns, DEBIAN, "1", &[vuln("CVE-1", "openssl", "1")]).await;
    let again = db.vuln_store().await;
    assert!(again.initialized().await.unwrap());
    let indexer_again = db.store().await;
    indexer_again.ping().await.unwrap();

    let other = if vulns.backend() == "sqlite" {
        TestDb::sqlite()
    } else {
        TestDb::postgres().await
    };
    other.store().await.ping().await.unwrap();
    other.vuln_store().await.ping().await.unwrap();
    other.store().await.ping().await.unwrap();
}

async fn concurrent_writers(db: &TestDb) {
    let store = db.vuln_store().await;
    let mut tasks = Vec::new();
    for n in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let updater = format!("updater-{}", n % 2);
            let vulns: Vec<Vulnerability> = (0..300)
                .map(|i| vuln(&format!("CVE-{n}-{i}"), &format!("pkg-{i}"), "1"))
                .collect();
            let mut writer = store
                .begin_update(&updater, &n.to_string(), VULN, false)
                .await
                .unwrap();
            writer.add_vulnerabilities(&vulns[..150]).await.unwrap();
            tokio::task::yield_now().await;
            writer.add_vulnerabilities(&vulns[150..]).await.unwrap();
            writer.commit().await.unwrap()
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let gc = {
        let store = store.clone();
        tokio::spawn(async move { store.gc(1, 10).await.unwrap() })
    };
    update(
        &store,
        "updater-0",
        "late",
        &[vuln("CVE-late", "pkg-0", "1")],
    )
    .await;
    gc.await.unwrap();
    let latest = store.update_operations(VULN, true).await.unwrap();
    assert_eq!(latest.len(), 2);
    let found = store
        .vulnerabilities_for_packages(&strings(&["pkg-0"]))
        .await
        .unwrap();
    // updater-0's latest is "late" (1 row); updater-1's latest has 1 row for pkg-0.
    assert_eq!(found["pkg-0"].len(), 2, "{:?}", found["pkg-0"]);
}
