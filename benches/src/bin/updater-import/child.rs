//! The measured process: opens the store, runs the Debian updater once against the
//! feed URL, and prints what it did and its peak RSS as one JSON line. Separate from
//! the parent so the feed generator and the file server do not count.

use scry_benches::{import, memory};
use scry_store::VulnStore;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct ChildReport {
    pub records: u64,
    pub fetch_secs: f64,
    pub total_secs: f64,
    /// `VmHWM` after opening the store, before the update.
    pub peak_rss_before: u64,
    /// `VmHWM` after the update committed.
    pub peak_rss: u64,
}

pub async fn run(conn: &str, url: &str) -> anyhow::Result<()> {
    let store = VulnStore::connect(conn, true).await?;
    let peak_rss_before = memory::peak_rss()?;
    let imported = import::debian(&store, url).await?;
    let report = ChildReport {
        records: imported.records,
        fetch_secs: imported.fetch.as_secs_f64(),
        total_secs: imported.total.as_secs_f64(),
        peak_rss_before,
        peak_rss: memory::peak_rss()?,
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
