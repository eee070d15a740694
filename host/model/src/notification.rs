//! Notifications as the notifier serves and delivers them (Clair's wire shapes: the
//! summary says `severity` for the normalized severity and `repo` for the repository).

use serde::{Deserialize, Serialize};

use crate::{Distribution, Package, Repository, Vulnerability};

/// Why a manifest is in a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    Added,
    Removed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Added => "added",
            Reason::Removed => "removed",
        }
    }
}

/// The vulnerability part of a notification.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnSummary {
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<Repository>,
    /// The normalized severity.
    pub severity: String,
    pub fixed_in_version: String,
    pub links: String,
}

impl From<&Vulnerability> for VulnSummary {
    fn from(vulnerability: &Vulnerability) -> VulnSummary {
        VulnSummary {
            name: vulnerability.name.clone(),
            description: vulnerability.description.clone(),
            package: vulnerability.package.clone(),
            distribution: vulnerability.distribution.clone(),
            repo: vulnerability.repository.clone(),
            severity: vulnerability.normalized_severity.clone(),
            fixed_in_version: vulnerability.fixed_in_version.clone(),
            links: vulnerability.links.clone(),
        }
    }
}

/// One affected manifest in a notification set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// This notification's own UUID (pages are ordered by it).
    pub id: String,
    /// The manifest digest.
    pub manifest: String,
    pub reason: Reason,
    pub vulnerability: VulnSummary,
}

/// `page` of a [`NotificationPage`]: the requested size, and where the next page starts
/// (absent on the last page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `GET /notifier/api/v1/notification/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub page: Page,
    pub notifications: Vec<Notification>,
}

/// What a webhook, or a non-direct AMQP/STOMP message, carries: where to read the set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Callback {
    pub notification_id: String,
    pub callback: String,
}
