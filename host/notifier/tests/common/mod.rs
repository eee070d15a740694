//! What the broker delivery tests share.

use std::time::Duration;

use scry_model::Notification;
use scry_notifier::deliver::{Deliverer, DeliveryError};
use uuid::Uuid;

/// One delivery, which must finish (succeed or fail) within 90 s.
pub async fn deliver(
    deliverer: &dyn Deliverer,
    id: Uuid,
    notifications: &[Notification],
) -> Result<(), DeliveryError> {
    tokio::time::timeout(
        Duration::from_secs(90),
        deliverer.deliver(id, notifications),
    )
    .await
    .expect("delivery must not hang")
}
