//! The notifier's store on both backends: one set per update operation, pages in id
//! order, delivery receipts, deletion and GC.

mod common;

use scry_model::{Notification, Reason, VulnSummary};
use scry_store::testing::TestDb;
use scry_store::{RECEIPT_RETENTION_MS, SetStatus};

both_backends!(
    one_set_per_operation,
    pages_follow_notification_ids,
    failed_deliveries_are_retried_when_due,
    deleted_and_old_sets_are_collected,
);

const NOW: i64 = 1_790_000_000_000;

fn notification(id: &str, manifest: &str) -> Notification {
    Notification {
        id: id.into(),
        manifest: manifest.into(),
        reason: Reason::Added,
        vulnerability: VulnSummary {
            name: "CVE-2099-0001".into(),
            severity: "High".into(),
            ..VulnSummary::default()
        },
    }
}

fn three() -> Vec<Notification> {
    vec![
        notification("c0000000-0000-4000-8000-000000000000", "sha256:cc"),
        notification("a0000000-0000-4000-8000-000000000000", "sha256:aa"),
        notification("b0000000-0000-4000-8000-000000000000", "sha256:bb"),
    ]
}

async fn one_set_per_operation(db: &TestDb) {
    let store = db.notification_store().await;
    assert!(!store.has_receipt("op-1").await.unwrap());
    let id = store
        .create_set("debian", "op-1", &three(), NOW)
        .await
        .unwrap();
    assert!(store.has_receipt("op-1").await.unwrap());
    let again = store
        .create_set("debian", "op-1", &three(), NOW)
        .await
        .unwrap();
    assert_eq!(again, id, "a second replica gets the first set");
    assert_eq!(store.page(&id, None, 100).await.unwrap().len(), 3);

    let receipt = store.receipt(&id).await.unwrap().unwrap();
    assert_eq!(receipt.status, SetStatus::Created);
    assert_eq!((receipt.attempts, receipt.created), (0, NOW));
    assert_eq!(receipt.operation_ref, "op-1");
    assert_eq!(store.undelivered().await.unwrap(), 1);

    // Nothing affected: a receipt so the operation is not processed again, nothing due.
    let empty = store.create_set("debian", "op-2", &[], NOW).await.unwrap();
    let receipt = store.receipt(&empty).await.unwrap().unwrap();
    assert_eq!(receipt.status, SetStatus::Delivered);
    assert!(store.has_receipt("op-2").await.unwrap());
    let due: Vec<String> = store
        .due(NOW, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(due, [id]);
    assert!(store.receipt("no-such-set").await.unwrap().is_none());
}

async fn pages_follow_notification_ids(db: &TestDb) {
    let store = db.notification_store().await;
    let id = store
        .create_set("debian", "op-1", &three(), NOW)
        .await
        .unwrap();
    let first = store.page(&id, None, 2).await.unwrap();
    let manifests: Vec<&str> = first.iter().map(|n| n.manifest.as_str()).collect();
    assert_eq!(manifests, ["sha256:aa", "sha256:bb"]);
    let rest = store.page(&id, Some(&first[1].id), 2).await.unwrap();
    assert_eq!(rest, vec![three()[0].clone()], "bodies come back as stored");
    assert!(store.page("other", None, 2).await.unwrap().is_empty());
}

async fn failed_deliveries_are_retried_when_due(db: &TestDb) {
    let store = db.notification_store().await;
    let id = store
        .create_set("debian", "op-1", &three(), NOW)
        .await
        .unwrap();
    store
        .mark_failed(
            &id,
            "POST http://127.0.0.1:9/hook: connection refused",
            NOW + 5_000,
        )
        .await
        .unwrap();
    assert!(store.due(NOW + 4_999, 10).await.unwrap().is_empty());
    let due = store.due(NOW + 5_000, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].status, SetStatus::DeliveryFailed);
    assert_eq!(due[0].attempts, 1);
    assert!(due[0].last_error.contains("connection refused"));

    store.mark_delivered(&id, NOW + 6_000, false).await.unwrap();
    let receipt = store.receipt(&id).await.unwrap().unwrap();
    assert_eq!(receipt.status, SetStatus::Delivered);
    assert_eq!(
        (receipt.attempts, receipt.delivered),
        (2, Some(NOW + 6_000))
    );
    assert!(receipt.last_error.is_empty());
    assert!(store.due(NOW + 60_000, 10).await.unwrap().is_empty());
    assert_eq!(store.undelivered().await.unwrap(), 0);

    // A direct delivery consumes the set.
    let direct = store
        .create_set("debian", "op-2", &three(), NOW)
        .await
        .unwrap();
    store.mark_delivered(&direct, NOW, true).await.unwrap();
    let receipt = store.receipt(&direct).await.unwrap().unwrap();
    assert_eq!(receipt.status, SetStatus::Deleted);
}

async fn deleted_and_old_sets_are_collected(db: &TestDb) {
    let store = db.notification_store().await;
    let deleted = store
        .create_set("debian", "op-1", &three(), NOW)
        .await
        .unwrap();
    let pending = store
        .create_set("debian", "op-2", &three(), NOW)
        .await
        .unwrap();
    let old = store
        .create_set("alpine", "op-3", &[], NOW - RECEIPT_RETENTION_MS - 1)
        .await
        .unwrap();
    assert!(store.mark_deleted(&deleted).await.unwrap());
    assert!(
        store.mark_deleted(&deleted).await.unwrap(),
        "deleting twice is fine"
    );
    assert!(!store.mark_deleted("no-such-set").await.unwrap());
    // A failure recorded after a client deleted the set does not bring it back.
    store.mark_failed(&deleted, "late", NOW).await.unwrap();
    assert_eq!(
        store.receipt(&deleted).await.unwrap().unwrap().status,
        SetStatus::Deleted
    );
    // Readable until GC runs, as in Clair.
    assert_eq!(store.page(&deleted, None, 10).await.unwrap().len(), 3);

    assert_eq!(store.gc(NOW).await.unwrap(), 2);
    assert!(store.receipt(&deleted).await.unwrap().is_none());
    assert!(store.page(&deleted, None, 10).await.unwrap().is_empty());
    assert!(store.receipt(&old).await.unwrap().is_none());
    assert!(!store.has_receipt("op-3").await.unwrap());
    assert_eq!(store.page(&pending, None, 10).await.unwrap().len(), 3);
}
