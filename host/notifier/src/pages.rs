//! Notification sets as the notifier's API serves them: through the service, never
//! its store.

use scry_model::Notification;
use scry_store::{Receipt, StoreError};

use crate::service::NotifierService;

/// One page of a notification set.
pub struct SetPage {
    pub notifications: Vec<Notification>,
    /// The notification id the next page starts after; `None` on the last page.
    pub next: Option<String>,
    /// How delivery of the set went; `None` when the set is unknown.
    pub receipt: Option<Receipt>,
}

impl NotifierService {
    /// Up to `size` (> 0) notifications of set `id` after the notification `after`.
    pub async fn notification_page(
        &self,
        id: &str,
        after: Option<&str>,
        size: i64,
    ) -> Result<SetPage, StoreError> {
        // One more than asked tells whether another page follows.
        let mut notifications = self.store.page(id, after, size.saturating_add(1)).await?;
        let next = if notifications.len() as i64 > size {
            notifications.truncate(size as usize);
            notifications.last().map(|n| n.id.clone())
        } else {
            None
        };
        let receipt = self.store.receipt(id).await?;
        Ok(SetPage {
            notifications,
            next,
            receipt,
        })
    }

    /// Marks set `id` deleted (a client has read it); `false` when there is no such set.
    pub async fn delete_notification_set(&self, id: &str) -> Result<bool, StoreError> {
        self.store.mark_deleted(id).await
    }
}
