//! Verdicts already computed: one matcher's hits for one record at one store
//! generation. Images built on one base share most records, and a report is asked for
//! again and again, so most records are judged once per vulnerability update.

use std::sync::Arc;

use quick_cache::sync::Cache;
use scry_model::Vulnerability;
use scry_runtime::matcher::IndexRecord;

/// One matcher's verdict on one record: `None` when the matcher does not handle the
/// record, else the vulnerabilities it found (possibly none).
pub type Verdict = Option<Arc<[Arc<Vulnerability>]>>;

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    /// [`scry_store::VulnStore::generation`]: a new update makes old entries unreachable.
    generation: u64,
    /// The plugin's content hash: a swapped plugin never sees another build's verdicts.
    matcher: Arc<str>,
    record: IndexRecord,
}

/// A bounded, concurrent verdict cache. Only successful calls are stored.
pub struct VerdictCache {
    entries: Cache<Key, Verdict>,
}

/// Records kept by default: a few thousand images' worth of distinct packages.
pub const DEFAULT_CAPACITY: usize = 200_000;

impl VerdictCache {
    pub fn new(capacity: usize) -> VerdictCache {
        VerdictCache {
            entries: Cache::new(capacity.max(1)),
        }
    }

    pub fn get(
        &self,
        generation: u64,
        matcher: &Arc<str>,
        record: &IndexRecord,
    ) -> Option<Verdict> {
        self.entries.get(&Key {
            generation,
            matcher: matcher.clone(),
            record: record.clone(),
        })
    }

    pub fn insert(
        &self,
        generation: u64,
        matcher: &Arc<str>,
        record: IndexRecord,
        verdict: Verdict,
    ) {
        self.entries.insert(
            Key {
                generation,
                matcher: matcher.clone(),
                record,
            },
            verdict,
        );
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
