//! The notifier's two loops: processing (new update operation → diff → affected
//! manifests → a stored notification set) and delivery (due sets → the deliverer →
//! receipt), both safe to run in several replicas on one PostgreSQL.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use scry_model::{Reason, UpdateOperation, Vulnerability};
use scry_store::{NotificationStore, SetStatus};
use tokio::sync::Notify;

use crate::deliver::Deliverer;
use crate::metrics::NotifierMetrics;
use crate::sources::{AffectedSource, UpdateSource};
use crate::summary::Notifications;

/// Vulnerabilities per affected-manifests request, as Clair sends them.
const CHUNK: usize = 1000;
/// Sets handled per delivery round.
const DELIVERY_BATCH: i64 = 100;
/// Failed deliveries back off up to this many delivery intervals.
const MAX_BACKOFF_STEPS: u32 = 4;
const GC_INTERVAL: Duration = Duration::from_secs(3600);

pub struct NotifierService {
    pub store: NotificationStore,
    pub updates: Arc<dyn UpdateSource>,
    pub affected: Arc<dyn AffectedSource>,
    pub deliverer: Arc<dyn Deliverer>,
    /// One notification per manifest (Clair's default) rather than per vulnerability.
    pub summary: bool,
    pub poll_interval: Duration,
    pub delivery_interval: Duration,
    pub metrics: Arc<NotifierMetrics>,
    /// Wakes the delivery loop when processing stored a set.
    wake: Notify,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl NotifierService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: NotificationStore,
        updates: Arc<dyn UpdateSource>,
        affected: Arc<dyn AffectedSource>,
        deliverer: Arc<dyn Deliverer>,
        summary: bool,
        poll_interval: Duration,
        delivery_interval: Duration,
        metrics: Arc<NotifierMetrics>,
    ) -> NotifierService {
        NotifierService {
            store,
            updates,
            affected,
            deliverer,
            summary,
            poll_interval,
            delivery_interval,
            metrics,
            wake: Notify::new(),
        }
    }

    /// Runs the processing, delivery and GC loops until the task is dropped.
    pub async fn run(self: Arc<Self>) {
        let poller = self.clone();
        let deliverer = self.clone();
        let collector = self.clone();
        tokio::join!(
            async move {
                loop {
                    if let Err(err) = poller.poll_once().await {
                        tracing::warn!(error = %err, "notifier: processing update operations");
                    }
                    tokio::time::sleep(poller.poll_interval).await;
                }
            },
            async move {
                loop {
                    if let Err(err) = deliverer.deliver_due().await {
                        tracing::warn!(error = %err, "notifier: delivering notifications");
                    }
                    let _ = tokio::time::timeout(
                        deliverer.delivery_interval,
                        deliverer.wake.notified(),
                    )
                    .await;
                }
            },
            async move {
                loop {
                    tokio::time::sleep(GC_INTERVAL).await;
                    match collector.store.gc(now_ms()).await {
                        Ok(removed) => tracing::debug!(removed, "notifier: GC"),
                        Err(err) => tracing::warn!(error = %err, "notifier: GC"),
                    }
                }
            },
        );
    }

    /// One processing round: every updater whose newest operation has no set yet.
    /// Returns the ids of the sets stored.
    pub async fn poll_once(&self) -> Result<Vec<String>, String> {
        let operations = self.updates.update_operations().await?;
        let mut created = Vec::new();
        for (updater, list) in operations {
            let Some(newest) = list.first() else {
                continue;
            };
            match self.process(&updater, newest, list.get(1)).await {
                Ok(Some(id)) => created.push(id),
                Ok(None) => {}
                // One updater's failure must not hold up the others; retried next round.
                Err(err) => {
                    tracing::warn!(updater, operation = newest.reference, error = %err, "notifier: processing");
                }
            }
        }
        if !created.is_empty() {
            self.wake.notify_one();
        }
        Ok(created)
    }

    /// Stores the set of `cur` (diffed against `prev`) unless it exists or another
    /// replica is on it.
    async fn process(
        &self,
        updater: &str,
        cur: &UpdateOperation,
        prev: Option<&UpdateOperation>,
    ) -> Result<Option<String>, String> {
        let store_err = |err: scry_store::StoreError| err.to_string();
        if self
            .store
            .has_receipt(&cur.reference)
            .await
            .map_err(store_err)?
        {
            return Ok(None);
        }
        let lock_key = format!("notifier/operation/{}", cur.reference);
        let Some(lock) = self.store.try_lock(&lock_key).await.map_err(store_err)? else {
            return Ok(None);
        };
        // Another replica may have finished while we waited for the lock.
        if self
            .store
            .has_receipt(&cur.reference)
            .await
            .map_err(store_err)?
        {
            return Ok(None);
        }
        let diff = self
            .updates
            .update_diff(prev.map(|p| p.reference.as_str()), &cur.reference)
            .await?;
        let mut notifications = Notifications::new(self.summary);
        for (reason, vulnerabilities) in [
            (Reason::Added, &diff.added),
            (Reason::Removed, &diff.removed),
        ] {
            let vulnerabilities = vulnerabilities.as_deref().unwrap_or_default();
            self.collect(&mut notifications, reason, vulnerabilities)
                .await?;
        }
        let notifications = notifications.into_vec();
        let id = self
            .store
            .create_set(updater, &cur.reference, &notifications, now_ms())
            .await
            .map_err(store_err)?;
        let _ = lock.release().await;
        self.metrics.set_created(notifications.len());
        tracing::info!(
            updater,
            operation = cur.reference,
            notification_id = id,
            notifications = notifications.len(),
            "notifier: notification set stored"
        );
        Ok((!notifications.is_empty()).then_some(id))
    }

    async fn collect(
        &self,
        notifications: &mut Notifications,
        reason: Reason,
        vulnerabilities: &[Vulnerability],
    ) -> Result<(), String> {
        for chunk in vulnerabilities.chunks(CHUNK) {
            let affected = self.affected.affected_manifests(chunk).await?;
            notifications.add(reason, &affected);
        }
        Ok(())
    }

    /// One delivery round over every due set; returns how many were delivered.
    pub async fn deliver_due(&self) -> Result<usize, String> {
        let store_err = |err: scry_store::StoreError| err.to_string();
        let due = self
            .store
            .due(now_ms(), DELIVERY_BATCH)
            .await
            .map_err(store_err)?;
        let mut delivered = 0;
        for receipt in due {
            let lock_key = format!("notifier/set/{}", receipt.id);
            let Some(lock) = self.store.try_lock(&lock_key).await.map_err(store_err)? else {
                continue;
            };
            // Re-read under the lock: another replica may have delivered it.
            let Some(current) = self.store.receipt(&receipt.id).await.map_err(store_err)? else {
                continue;
            };
            if !matches!(
                current.status,
                SetStatus::Created | SetStatus::DeliveryFailed
            ) {
                continue;
            }
            if self.deliver_one(&current.id, current.attempts).await? {
                delivered += 1;
            }
            let _ = lock.release().await;
        }
        self.metrics
            .set_undelivered(self.store.undelivered().await.map_err(store_err)?);
        Ok(delivered)
    }

    async fn deliver_one(&self, id: &str, attempts: i64) -> Result<bool, String> {
        let store_err = |err: scry_store::StoreError| err.to_string();
        let set =
            uuid::Uuid::parse_str(id).map_err(|err| format!("notification set {id}: {err}"))?;
        let notifications = if self.deliverer.direct() {
            self.store
                .page(id, None, i64::MAX)
                .await
                .map_err(store_err)?
        } else {
            Vec::new()
        };
        let mechanism = self.deliverer.name();
        match self.deliverer.deliver(set, &notifications).await {
            Ok(()) => {
                self.store
                    .mark_delivered(id, now_ms(), self.deliverer.direct())
                    .await
                    .map_err(store_err)?;
                self.metrics.delivery(mechanism, true);
                tracing::info!(notification_id = id, mechanism, "notifier: delivered");
                Ok(true)
            }
            Err(err) => {
                let steps = (attempts.max(0) as u32).min(MAX_BACKOFF_STEPS);
                let wait = self.delivery_interval * 2u32.pow(steps);
                let next = now_ms() + wait.as_millis() as i64;
                self.store
                    .mark_failed(id, &err.to_string(), next)
                    .await
                    .map_err(store_err)?;
                self.metrics.delivery(mechanism, false);
                tracing::warn!(notification_id = id, mechanism, error = %err, retry_in = ?wait, "notifier: delivery failed");
                Ok(false)
            }
        }
    }
}
