//! Matching and vulnerability data.
//!
//! Matching: an index report is flattened to records; the store is asked once for
//! every vulnerability naming any record's package (or source package), only from each
//! updater's latest operation; each matcher plugin filters the records it handles,
//! narrows the candidates by its equality constraints (host side) and judges each
//! (record, vulnerability) pair with its own version ordering (plugin side).
//!
//! Invariants: the matcher never reads layers — it sees index reports only; plugins
//! see records and candidate vulnerabilities, never the store or the network; a
//! failing matcher is named in the report (`scry_matchers.failed`), not hidden.

mod affected;
mod affected_lookup;
pub mod airgap;
mod cache;
mod constraints;
mod enrich;
mod live;
mod matching;
mod operations;
mod records;
mod remote_index;
mod service;
pub mod updates;

pub use affected::{AffectedError, affected_manifests};
pub use affected_lookup::AffectedLookup;
pub use cache::{DEFAULT_CAPACITY, Verdict, VerdictCache};
pub use enrich::{CVSS_TYPE, CVSS_UPDATER, cve_ids};
pub use live::LiveMatchers;
pub use matching::{ByName, Matchers, Plan, build_report, sort_by_severity};
pub use records::{Record, index_records};
pub use remote_index::RemoteIndexer;
pub use service::{IndexReports, MatcherService, ReportOutcome};
