//! Pieces shared by Scry's benchmarks: the machine they ran on, medians, peak RSS, and
//! the sections they record in `benches/RESULTS.md`. Each benchmark is a binary in
//! `src/bin/`; see `benches/README.md`.

pub mod machine;
pub mod memory;
pub mod results;
pub mod stats;
