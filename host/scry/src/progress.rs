//! Progress of long layer reads on stderr: quiet for the first seconds, then a line
//! every few seconds with the bytes read per layer in flight.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const EVERY: Duration = Duration::from_secs(2);

pub struct Progress {
    read: Arc<Mutex<BTreeMap<String, u64>>>,
    ticker: tokio::task::JoinHandle<()>,
}

impl Progress {
    pub fn start() -> Progress {
        let read: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
        let seen = read.clone();
        let ticker = tokio::spawn(async move {
            let started = Instant::now();
            loop {
                tokio::time::sleep(EVERY).await;
                let line = match seen.lock() {
                    Ok(layers) => layers
                        .iter()
                        .map(|(digest, bytes)| format!("{} {} MiB", short(digest), bytes >> 20))
                        .collect::<Vec<_>>()
                        .join(", "),
                    Err(_) => continue,
                };
                eprintln!("scry: {:>4}s  read {line}", started.elapsed().as_secs());
            }
        });
        Progress { read, ticker }
    }

    pub fn callback(&self) -> scry_indexer::LayerProgress {
        let read = self.read.clone();
        Arc::new(move |digest: &str, bytes: u64| {
            if let Ok(mut layers) = read.lock() {
                layers.insert(digest.to_string(), bytes);
            }
        })
    }

    pub fn finish(self) {
        self.ticker.abort();
    }
}

/// `sha256:0123456789ab` — enough of a digest to tell layers apart.
fn short(digest: &str) -> &str {
    &digest[..digest.len().min(19)]
}
