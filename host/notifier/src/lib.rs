//! The notifier: new update operations → notifications for the manifests they affect
//! → delivery by webhook, AMQP or STOMP, at least once.
//!
//! Invariants: an update operation yields at most one notification set, whatever the
//! number of replicas; a set stays due until a delivery succeeds (at least once,
//! surviving restarts, backing off on failure); the notifier never reads layers or
//! vulnerability feeds — only the matcher's operations and the indexer's reverse lookup.

#![forbid(unsafe_code)]

pub mod deliver;
pub mod local;
mod metrics;
mod pages;
pub mod remote;
mod service;
pub mod sources;
mod summary;

pub use metrics::NotifierMetrics;
pub use pages::SetPage;
pub use service::{NotifierService, now_ms};
pub use summary::Notifications;
