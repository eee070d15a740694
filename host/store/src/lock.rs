//! Exclusive locks by name: a session advisory lock on PostgreSQL, so indexer
//! processes sharing one database exclude each other, and an in-process async mutex on
//! SQLite, whose file is only ever served by one process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};
use tokio::sync::OwnedMutexGuard;

use crate::error::{Context, StoreError};

/// Holds a lock until dropped or [`LockGuard::release`]d.
pub struct LockGuard {
    key: String,
    held: Held,
}

enum Held {
    Local {
        guard: Option<OwnedMutexGuard<()>>,
        locks: Arc<LocalLocks>,
    },
    Postgres(LockConn),
    Released,
}

impl LockGuard {
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Releases the lock now. Dropping the guard releases it too, but on PostgreSQL by
    /// closing its connection; this returns the connection to the pool instead.
    pub async fn release(mut self) -> Result<(), StoreError> {
        match std::mem::replace(&mut self.held, Held::Released) {
            Held::Local { guard, locks } => {
                drop(guard);
                locks.forget_if_unused(&self.key);
            }
            Held::Postgres(mut lock) => {
                let key = &self.key;
                let released: bool = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
                    .bind(lock_id(key))
                    .fetch_one(&mut *lock.conn)
                    .await
                    .context(|| format!("releasing lock {key:?}"))?;
                // Not released means the session lost it: let the connection close.
                lock.clean = released;
            }
            Held::Released => {}
        }
        Ok(())
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Held::Local { guard, locks } = &mut self.held {
            guard.take();
            locks.forget_if_unused(&self.key);
        }
    }
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockGuard").field("key", &self.key).finish()
    }
}

/// The advisory lock id of a key: 64-bit FNV-1a of its bytes (as Clair computes it).
pub fn lock_id(key: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// A lock-pool connection that is closed, not pooled, when dropped while it may hold
/// or be waiting for a lock: closing the session is what frees an advisory lock if
/// the holder (or a cancelled waiter) never unlocked.
struct LockConn {
    conn: PoolConnection<Postgres>,
    clean: bool,
}

impl Drop for LockConn {
    fn drop(&mut self) {
        if !self.clean {
            self.conn.close_on_drop();
        }
    }
}

/// Waits for `key` on a connection of its own from `pool` (not the query pool, so
/// lock holders can still query).
pub(crate) async fn postgres_lock(pool: &PgPool, key: &str) -> Result<LockGuard, StoreError> {
    let mut lock = lock_connection(pool, key).await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(lock_id(key))
        .execute(&mut *lock.conn)
        .await
        .context(|| format!("locking {key:?}"))?;
    Ok(LockGuard {
        key: key.to_string(),
        held: Held::Postgres(lock),
    })
}

/// Like [`postgres_lock`], but `None` at once if someone holds `key`.
pub(crate) async fn postgres_try_lock(
    pool: &PgPool,
    key: &str,
) -> Result<Option<LockGuard>, StoreError> {
    let mut lock = lock_connection(pool, key).await?;
    let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(lock_id(key))
        .fetch_one(&mut *lock.conn)
        .await
        .context(|| format!("locking {key:?}"))?;
    if !taken {
        lock.clean = true;
        return Ok(None);
    }
    Ok(Some(LockGuard {
        key: key.to_string(),
        held: Held::Postgres(lock),
    }))
}

async fn lock_connection(pool: &PgPool, key: &str) -> Result<LockConn, StoreError> {
    let conn = pool
        .acquire()
        .await
        .context(|| format!("locking {key:?}: no connection"))?;
    Ok(LockConn { conn, clean: false })
}

/// One async mutex per key, kept only while someone holds or waits for it.
#[derive(Default)]
pub(crate) struct LocalLocks {
    keys: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl LocalLocks {
    fn mutex(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        keys.entry(key.to_string()).or_default().clone()
    }

    pub(crate) async fn lock(self: &Arc<Self>, key: &str) -> LockGuard {
        let guard = self.mutex(key).lock_owned().await;
        self.guard(key, guard)
    }

    pub(crate) fn try_lock(self: &Arc<Self>, key: &str) -> Option<LockGuard> {
        let taken = self.mutex(key).try_lock_owned();
        match taken {
            Ok(guard) => Some(self.guard(key, guard)),
            Err(_) => {
                self.forget_if_unused(key);
                None
            }
        }
    }

    fn guard(self: &Arc<Self>, key: &str, guard: OwnedMutexGuard<()>) -> LockGuard {
        LockGuard {
            key: key.to_string(),
            held: Held::Local {
                guard: Some(guard),
                locks: self.clone(),
            },
        }
    }

    /// Drops the key's mutex once only the map refers to it (no holder, no waiter);
    /// every clone is made under the map's lock, so the count cannot grow meanwhile.
    fn forget_if_unused(&self, key: &str) {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if keys
            .get(key)
            .is_some_and(|mutex| Arc::strong_count(mutex) == 1)
        {
            keys.remove(key);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_64() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(lock_id(""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(lock_id("a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
        assert_eq!(lock_id("foobar"), 0x8594_4171_f739_67e8_u64 as i64);
    }

    #[tokio::test]
    async fn local_locks_exclude_and_are_forgotten() {
        let locks = Arc::new(LocalLocks::default());
        let held = locks.lock("m").await;
        assert!(locks.try_lock("m").is_none());
        assert!(locks.try_lock("other").is_some());
        drop(held);
        assert_eq!(locks.len(), 0, "a free key keeps no mutex");
        let again = locks.try_lock("m").expect("free after drop");
        again.release().await.unwrap();
        assert_eq!(locks.len(), 0);
    }
}
