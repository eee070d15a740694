//! Pieces shared by Scry's benchmarks: the machine they ran on, medians, peak RSS, the
//! sections they record in `benches/RESULTS.md`, a loopback file server and a
//! generated Debian tracker feed. Each benchmark is a binary in
//! `src/bin/`; see `benches/README.md`.

pub mod import;
pub mod loopback;
pub mod machine;
pub mod memory;
pub mod results;
pub mod stats;
pub mod tracker_feed;
