//! A matcher set that can be replaced while serving (plugin hot-swap): each report or
//! affected-manifest lookup runs with the set it took at its start.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::matching::Matchers;

pub struct LiveMatchers {
    current: ArcSwap<Matchers>,
}

impl LiveMatchers {
    pub fn new(matchers: Matchers) -> Arc<LiveMatchers> {
        Arc::new(LiveMatchers {
            current: ArcSwap::from_pointee(matchers),
        })
    }

    /// The set new work runs with.
    pub fn current(&self) -> Arc<Matchers> {
        self.current.load_full()
    }

    /// Makes `matchers` the set new work runs with; work under way keeps its set.
    pub fn replace(&self, matchers: Matchers) {
        self.current.store(Arc::new(matchers));
    }
}
