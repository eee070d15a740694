//! Indexing: each layer is streamed once through the scanner plugins that want its
//! files, then the per-layer artifacts are coalesced into a Clair index report.
//!
//! Invariant: the indexer never parses package formats itself; everything it reports
//! came out of a plugin (whiteouts aside, which are a property of the layer format).

mod coalesce;
mod convert;
mod metrics;
mod scanners;
mod service;
mod whiteout;

pub use coalesce::coalesce;
pub use metrics::IndexMetrics;
pub use scanners::{IndexError, LayerProgress, Scanners};
pub use service::{IndexFailure, IndexerService, PluginSnapshot, Swapped};
