//! Types that cross crate and process boundaries: Clair v4's index report as it goes on
//! the wire, manifests as clients send them, and the per-layer artifacts scanners yield.

mod artifacts;
mod digest;
mod notification;
mod report;
mod vuln;

pub use artifacts::{FoundPackage, LayerArtifacts, ScannerId, ScannerKind};
pub use digest::{Digest, DigestError};
pub use notification::{Callback, Notification, NotificationPage, Page, Reason, VulnSummary};
pub use report::{
    Distribution, Environment, IndexReport, IndexState, Layer, Manifest, Package, Repository,
    SourcePackage,
};
pub use vuln::{
    AffectedManifests, AffectedManifestsRequest, EnrichmentRecord, MatcherRun, SEVERITIES,
    UpdateDiff, UpdateKind, UpdateOperation, VersionRange, Vulnerability, VulnerabilityReport,
    severity_rank, zero_time,
};
