//! The notifier's Prometheus metrics: deliveries by mechanism and outcome, sets and
//! notifications stored, and the undelivered backlog.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    mechanism: String,
    outcome: String,
}

#[derive(Default)]
pub struct NotifierMetrics {
    deliveries: Family<DeliveryLabels, Counter>,
    sets: Counter,
    notifications: Counter,
    undelivered: Gauge,
}

impl NotifierMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "notifier_deliveries",
            "Delivery attempts of notification sets, by mechanism and outcome",
            self.deliveries.clone(),
        );
        registry.register(
            "notifier_sets",
            "Notification sets stored (one per update operation that affected a manifest)",
            self.sets.clone(),
        );
        registry.register(
            "notifier_notifications",
            "Notifications stored",
            self.notifications.clone(),
        );
        registry.register(
            "notifier_undelivered_sets",
            "Notification sets waiting for a successful delivery",
            self.undelivered.clone(),
        );
    }

    pub(crate) fn delivery(&self, mechanism: &str, succeeded: bool) {
        let outcome = if succeeded { "success" } else { "failure" };
        self.deliveries
            .get_or_create(&DeliveryLabels {
                mechanism: mechanism.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    pub(crate) fn set_created(&self, notifications: usize) {
        if notifications > 0 {
            self.sets.inc();
            self.notifications.inc_by(notifications as u64);
        }
    }

    pub(crate) fn set_undelivered(&self, count: i64) {
        self.undelivered.set(count);
    }
}
