//! The notifier's store: one notification set per processed update operation, with
//! its delivery receipt (state, attempts, last error, when to try next) and its
//! notifications, on SQLite or PostgreSQL like the other stores.
//!
//! Invariant: a set and all its notifications are written in one transaction, and an
//! update operation yields at most one set (`operation_ref` is unique), so two
//! notifier replicas never notify twice for one operation.

mod db;

use scry_model::Notification;
use sqlx::Pool;

use crate::database::{Database, Engine, MigrationSet, Schema, database_methods, with_queries};
use crate::error::StoreError;
use db::Db;

/// Where a set is in its life. Clair's receipt states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetStatus {
    /// Waiting for its first successful delivery.
    Created,
    Delivered,
    /// The last attempt failed; it is retried.
    DeliveryFailed,
    /// A client deleted it (or a direct delivery consumed it); GC removes it.
    Deleted,
}

impl SetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SetStatus::Created => "created",
            SetStatus::Delivered => "delivered",
            SetStatus::DeliveryFailed => "delivery_failed",
            SetStatus::Deleted => "deleted",
        }
    }

    fn parse(text: &str) -> Result<SetStatus, StoreError> {
        Ok(match text {
            "created" => SetStatus::Created,
            "delivered" => SetStatus::Delivered,
            "delivery_failed" => SetStatus::DeliveryFailed,
            "deleted" => SetStatus::Deleted,
            other => {
                return Err(StoreError::Corrupt {
                    what: "notification set status".into(),
                    reason: format!("unknown status {other:?}"),
                });
            }
        })
    }
}

/// A set's receipt. Times are Unix milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub id: String,
    pub updater: String,
    pub operation_ref: String,
    pub status: SetStatus,
    pub created: i64,
    pub attempts: i64,
    /// Empty unless the last attempt failed.
    pub last_error: String,
    pub next_attempt: i64,
    pub delivered: Option<i64>,
}

/// How long delivered and failed receipts are kept (Clair: 14 days).
pub const RECEIPT_RETENTION_MS: i64 = 14 * 24 * 3600 * 1000;

/// The notifier's database. Cheap to clone.
#[derive(Clone)]
pub struct NotificationStore {
    db: Database<Notifier>,
}

/// The notifier's tables: [`NotificationStore`]'s schema.
#[derive(Clone, Copy)]
struct Notifier;

impl Schema for Notifier {
    type Queries<DB: Engine> = Db<DB>;

    fn queries<DB: Engine>(&self, pool: Pool<DB>) -> Db<DB> {
        Db::new(pool, DB::BEGIN_WRITE)
    }
}

impl NotificationStore {
    /// Opens `conn` as [`crate::IndexStore::connect`] does; `run_migrations` brings the
    /// notifier's tables up to date.
    pub async fn connect(conn: &str, run_migrations: bool) -> Result<Self, StoreError> {
        let db = Database::connect(conn, MigrationSet::Notifier, run_migrations, Notifier).await?;
        Ok(NotificationStore { db })
    }

    database_methods!();

    /// Whether `operation_ref` was processed (it has a set, maybe an empty one).
    pub async fn has_receipt(&self, operation_ref: &str) -> Result<bool, StoreError> {
        with_queries!(self.db, db => db.has_receipt(operation_ref).await)
    }

    /// Stores a new set for `operation_ref` in one transaction and returns its id: status
    /// `created`, or `delivered` when there is nothing to deliver. If the operation
    /// already has a set (another replica), that set's id.
    pub async fn create_set(
        &self,
        updater: &str,
        operation_ref: &str,
        notifications: &[Notification],
        now: i64,
    ) -> Result<String, StoreError> {
        with_queries!(self.db, db => db.create_set(updater, operation_ref, notifications, now).await)
    }

    pub async fn receipt(&self, id: &str) -> Result<Option<Receipt>, StoreError> {
        with_queries!(self.db, db => db.receipt(id).await)
    }

    /// Sets waiting for delivery whose next attempt is due at `now`, oldest first.
    pub async fn due(&self, now: i64, limit: i64) -> Result<Vec<Receipt>, StoreError> {
        with_queries!(self.db, db => db.due(now, limit).await)
    }

    /// Every receipt not yet delivered or deleted (metrics: the backlog).
    pub async fn undelivered(&self) -> Result<i64, StoreError> {
        with_queries!(self.db, db => db.undelivered().await)
    }

    /// Records a successful delivery; `consumed` (direct delivery) marks it deleted.
    pub async fn mark_delivered(
        &self,
        id: &str,
        now: i64,
        consumed: bool,
    ) -> Result<(), StoreError> {
        with_queries!(self.db, db => db.mark_delivered(id, now, consumed).await)
    }

    /// Records a failed attempt and when to try again.
    pub async fn mark_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt: i64,
    ) -> Result<(), StoreError> {
        with_queries!(self.db, db => db.mark_failed(id, error, next_attempt).await)
    }

    /// Up to `limit` notifications of set `id` with ids after `after`, in id order.
    pub async fn page(
        &self,
        id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        with_queries!(self.db, db => db.page(id, after, limit).await)
    }

    /// Marks set `id` deleted; false if there is no such set.
    pub async fn mark_deleted(&self, id: &str) -> Result<bool, StoreError> {
        with_queries!(self.db, db => db.mark_deleted(id).await)
    }

    /// Removes deleted sets and receipts past retention; returns the sets removed.
    pub async fn gc(&self, now: i64) -> Result<u64, StoreError> {
        with_queries!(self.db, db => db.gc(now - RECEIPT_RETENTION_MS).await)
    }
}
