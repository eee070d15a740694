//! Notifications from affected manifests. Summary mode (the default, as in Clair):
//! one notification per manifest, whose reason is the first seen (added before
//! removed) and whose vulnerability is the most severe seen. Otherwise one per
//! (manifest, vulnerability, reason).

use std::collections::BTreeMap;

use scry_model::{AffectedManifests, Notification, Reason, VulnSummary, severity_rank};

pub struct Notifications {
    summary: bool,
    by_manifest: BTreeMap<String, (Notification, usize)>,
    each: Vec<Notification>,
}

impl Notifications {
    pub fn new(summary: bool) -> Notifications {
        Notifications {
            summary,
            by_manifest: BTreeMap::new(),
            each: Vec::new(),
        }
    }

    /// Adds what one affected-manifests answer says for `reason`.
    pub fn add(&mut self, reason: Reason, affected: &AffectedManifests) {
        for (manifest, ids) in &affected.vulnerable_manifests {
            for id in ids {
                let Some(vulnerability) = affected.vulnerabilities.get(id) else {
                    continue;
                };
                let rank = severity_rank(&vulnerability.normalized_severity);
                let notification = || Notification {
                    id: uuid::Uuid::new_v4().to_string(),
                    manifest: manifest.clone(),
                    reason,
                    vulnerability: VulnSummary::from(vulnerability),
                };
                if !self.summary {
                    self.each.push(notification());
                    continue;
                }
                match self.by_manifest.get_mut(manifest) {
                    None => {
                        self.by_manifest
                            .insert(manifest.clone(), (notification(), rank));
                    }
                    Some((kept, kept_rank)) if rank > *kept_rank => {
                        kept.vulnerability = VulnSummary::from(vulnerability);
                        *kept_rank = rank;
                    }
                    Some(_) => {}
                }
            }
        }
    }

    pub fn into_vec(self) -> Vec<Notification> {
        if self.summary {
            self.by_manifest.into_values().map(|(n, _)| n).collect()
        } else {
            self.each
        }
    }
}
