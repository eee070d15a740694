//! Per-phase indexing figures: layer reads (fetch + hash + decompress + walk, one
//! stream), each plugin's scan, coalescing, and bytes.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PluginLabel {
    pub plugin: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

#[derive(Clone)]
pub struct IndexMetrics {
    pub layer_read_seconds: Histogram,
    pub plugin_scan_seconds: Family<PluginLabel, Histogram>,
    pub coalesce_seconds: Histogram,
    pub index_seconds: Family<OutcomeLabel, Histogram>,
    pub compressed_bytes: Counter,
    pub uncompressed_bytes: Counter,
    pub layers_scanned: Counter,
    pub layers_reused: Counter,
}

fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 22))
}

impl Default for IndexMetrics {
    fn default() -> Self {
        IndexMetrics {
            layer_read_seconds: seconds(),
            plugin_scan_seconds: Family::new_with_constructor(seconds),
            coalesce_seconds: seconds(),
            index_seconds: Family::new_with_constructor(seconds),
            compressed_bytes: Counter::default(),
            uncompressed_bytes: Counter::default(),
            layers_scanned: Counter::default(),
            layers_reused: Counter::default(),
        }
    }
}

impl IndexMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "layer_read_seconds",
            "Reading one layer: fetch, hash, decompress and tar walk",
            self.layer_read_seconds.clone(),
        );
        registry.register(
            "plugin_scan_seconds",
            "One plugin's scan of one layer",
            self.plugin_scan_seconds.clone(),
        );
        registry.register(
            "coalesce_seconds",
            "Merging layer results into a report",
            self.coalesce_seconds.clone(),
        );
        registry.register(
            "index_seconds",
            "Whole index requests by outcome",
            self.index_seconds.clone(),
        );
        registry.register(
            "layer_compressed_bytes",
            "Layer bytes read as served",
            self.compressed_bytes.clone(),
        );
        registry.register(
            "layer_uncompressed_bytes",
            "Layer bytes after decompression",
            self.uncompressed_bytes.clone(),
        );
        registry.register(
            "layers_scanned",
            "Layers read and scanned",
            self.layers_scanned.clone(),
        );
        registry.register(
            "layers_reused",
            "Layers whose stored results were reused",
            self.layers_reused.clone(),
        );
    }
}
