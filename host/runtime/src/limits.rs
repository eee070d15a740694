use std::time::Duration;

/// What one plugin call may use. Applied per `Store`, so per layer (scanners) or
/// per call (matchers).
#[derive(Clone, Debug)]
pub struct PluginLimits {
    /// Wall-clock budget of one `scan` call.
    pub scan_deadline: Duration,
    /// Budget of the calls made when a plugin is loaded (`identify`, `wanted`;
    /// a matcher's `info`, `query`).
    pub load_deadline: Duration,
    /// Budget of one matcher `filter` or `vulnerable` call.
    pub match_deadline: Duration,
    /// Linear memory a plugin instance may grow to.
    pub memory_bytes: usize,
    /// Most records (packages + distributions + repositories) one scan may return.
    pub max_records: usize,
    /// Most bytes of strings one scan may return.
    pub max_output_bytes: usize,
    /// Largest chunk one `blob.read-at` call hands out.
    pub max_read_chunk: u32,
}

impl Default for PluginLimits {
    fn default() -> Self {
        PluginLimits {
            scan_deadline: Duration::from_secs(60),
            load_deadline: Duration::from_secs(5),
            match_deadline: Duration::from_secs(10),
            memory_bytes: 512 << 20,
            max_records: 1_000_000,
            max_output_bytes: 256 << 20,
            max_read_chunk: 16 << 20,
        }
    }
}
