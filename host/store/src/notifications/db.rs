//! The notifier's queries, written once for both backends (`$n` binds, `ON CONFLICT`).

use scry_model::Notification;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::{Receipt, SetStatus};
use crate::error::{Context, StoreError};
use crate::vulns::Affected;

pub(crate) struct Db<DB: Database> {
    pool: Pool<DB>,
    begin: &'static str,
}

impl<DB: Database> Db<DB> {
    pub(crate) fn new(pool: Pool<DB>, begin: &'static str) -> Self {
        Db { pool, begin }
    }
}

impl<DB: Database> Clone for Db<DB> {
    fn clone(&self) -> Self {
        Db {
            pool: self.pool.clone(),
            begin: self.begin,
        }
    }
}

const RECEIPT_COLUMNS: &str =
    "id, updater, operation_ref, status, created, attempts, last_error, next_attempt, delivered";

impl<DB> Db<DB>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB> + Default,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'a> Encode<'a, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<i64>: for<'r> Decode<'r, DB>,
{
    pub(crate) async fn has_receipt(&self, operation_ref: &str) -> Result<bool, StoreError> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM notification_set WHERE operation_ref = $1")
                .bind(operation_ref)
                .fetch_optional(&self.pool)
                .await
                .context(|| format!("reading the receipt of update operation {operation_ref}"))?;
        Ok(found.is_some())
    }

    pub(crate) async fn create_set(
        &self,
        updater: &str,
        operation_ref: &str,
        notifications: &[Notification],
        now: i64,
    ) -> Result<String, StoreError> {
        let what = || format!("storing notifications of update operation {operation_ref}");
        let id = uuid::Uuid::new_v4().to_string();
        let status = if notifications.is_empty() {
            SetStatus::Delivered
        } else {
            SetStatus::Created
        };
        let mut conn = self.pool.acquire().await.context(what)?;
        sqlx::query(sqlx::AssertSqlSafe(self.begin))
            .execute(&mut *conn)
            .await
            .context(what)?;
        let written = async {
            let inserted = sqlx::query(
                "INSERT INTO notification_set (id, updater, operation_ref, status, created, next_attempt) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (operation_ref) DO NOTHING",
            )
            .bind(id.as_str())
            .bind(updater)
            .bind(operation_ref)
            .bind(status.as_str())
            .bind(now)
            .execute(&mut *conn)
            .await?;
            if inserted.affected() == 0 {
                let existing: String =
                    sqlx::query_scalar("SELECT id FROM notification_set WHERE operation_ref = $1")
                        .bind(operation_ref)
                        .fetch_one(&mut *conn)
                        .await?;
                return Ok(existing);
            }
            for notification in notifications {
                let body = serde_json::to_string(notification)
                    .expect("notifications serialize to JSON");
                sqlx::query("INSERT INTO notification (set_id, id, body) VALUES ($1, $2, $3)")
                    .bind(id.as_str())
                    .bind(notification.id.as_str())
                    .bind(body.as_str())
                    .execute(&mut *conn)
                    .await?;
            }
            Ok::<_, sqlx::Error>(id)
        }
        .await;
        let finish = if written.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let finished = sqlx::query(finish).execute(&mut *conn).await;
        let id = written.context(what)?;
        finished.context(what)?;
        Ok(id)
    }

    pub(crate) async fn receipt(&self, id: &str) -> Result<Option<Receipt>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECEIPT_COLUMNS} FROM notification_set WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading notification set {id}"))?;
        row.map(|row| decode_receipt::<DB>(&row)).transpose()
    }

    pub(crate) async fn due(&self, now: i64, limit: i64) -> Result<Vec<Receipt>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECEIPT_COLUMNS} FROM notification_set \
             WHERE status IN ('created', 'delivery_failed') AND next_attempt <= $1 \
             ORDER BY created, id LIMIT $2"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context(|| "listing notification sets due for delivery".into())?;
        rows.iter().map(decode_receipt::<DB>).collect()
    }

    pub(crate) async fn undelivered(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notification_set WHERE status IN ('created', 'delivery_failed')",
        )
        .fetch_one(&self.pool)
        .await
        .context(|| "counting undelivered notification sets".into())
    }

    pub(crate) async fn mark_delivered(
        &self,
        id: &str,
        now: i64,
        consumed: bool,
    ) -> Result<(), StoreError> {
        let status = if consumed {
            SetStatus::Deleted
        } else {
            SetStatus::Delivered
        };
        sqlx::query(
            "UPDATE notification_set SET status = $2, delivered = $3, attempts = attempts + 1, \
             last_error = '' WHERE id = $1",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(now)
        .execute(&self.pool)
        .await
        .context(|| format!("recording the delivery of notification set {id}"))?;
        Ok(())
    }

    pub(crate) async fn mark_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt: i64,
    ) -> Result<(), StoreError> {
        // A set deleted meanwhile stays deleted.
        sqlx::query(
            "UPDATE notification_set SET status = 'delivery_failed', attempts = attempts + 1, \
             last_error = $2, next_attempt = $3 WHERE id = $1 AND status <> 'deleted'",
        )
        .bind(id)
        .bind(error)
        .bind(next_attempt)
        .execute(&self.pool)
        .await
        .context(|| format!("recording a failed delivery of notification set {id}"))?;
        Ok(())
    }

    pub(crate) async fn page(
        &self,
        id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM notification WHERE set_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(id)
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading notifications of set {id}"))?;
        bodies
            .iter()
            .map(|body| {
                serde_json::from_str(body).map_err(|err| StoreError::Corrupt {
                    what: format!("a notification of set {id}"),
                    reason: err.to_string(),
                })
            })
            .collect()
    }

    pub(crate) async fn mark_deleted(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE notification_set SET status = 'deleted' WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .context(|| format!("deleting notification set {id}"))?;
        Ok(done.affected() > 0)
    }

    pub(crate) async fn gc(&self, receipts_before: i64) -> Result<u64, StoreError> {
        let what = || "collecting deleted notification sets".to_string();
        // Bodies first: SQLite enforces the cascade only with foreign keys on.
        sqlx::query(
            "DELETE FROM notification WHERE set_id IN (SELECT id FROM notification_set \
             WHERE status = 'deleted' OR (status <> 'created' AND created < $1))",
        )
        .bind(receipts_before)
        .execute(&self.pool)
        .await
        .context(what)?;
        let done = sqlx::query(
            "DELETE FROM notification_set WHERE status = 'deleted' \
             OR (status <> 'created' AND created < $1)",
        )
        .bind(receipts_before)
        .execute(&self.pool)
        .await
        .context(what)?;
        Ok(done.affected())
    }
}

fn decode_receipt<DB>(row: &DB::Row) -> Result<Receipt, StoreError>
where
    DB: Database,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
    Option<i64>: for<'r> Decode<'r, DB>,
{
    let corrupt = |err: sqlx::Error| StoreError::Corrupt {
        what: "a notification set row".into(),
        reason: err.to_string(),
    };
    let status: String = row.try_get(3).map_err(corrupt)?;
    Ok(Receipt {
        id: row.try_get(0).map_err(corrupt)?,
        updater: row.try_get(1).map_err(corrupt)?,
        operation_ref: row.try_get(2).map_err(corrupt)?,
        status: SetStatus::parse(&status)?,
        created: row.try_get(4).map_err(corrupt)?,
        attempts: row.try_get(5).map_err(corrupt)?,
        last_error: row.try_get(6).map_err(corrupt)?,
        next_attempt: row.try_get(7).map_err(corrupt)?,
        delivered: row.try_get(8).map_err(corrupt)?,
    })
}
