//! Open-loop load: requests go out on a fixed schedule whatever the answers do, each
//! in its own task, and latency runs from the *scheduled* send time, so a slow server
//! shows up as queueing in the figures instead of quietly lowering the rate
//! (coordinated omission).

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

pub struct Load {
    /// Milliseconds, sorted, of the requests answered 200.
    pub latencies: Vec<f64>,
    pub errors: usize,
    /// Errors by kind (`HTTP 500`, `request: …`), for the note under the table.
    pub error_kinds: BTreeMap<String, usize>,
    pub sent: usize,
    /// Answers per second, from the first scheduled send to the last answer.
    pub achieved_rate: f64,
}

impl Load {
    pub fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = (p / 100.0 * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

pub async fn open_loop(client: &reqwest::Client, url: &str, rate: f64, seconds: f64) -> Load {
    let total = (rate * seconds).round() as usize;
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    // Behind schedule (a stalled timer), send the missed requests at once: the schedule
    // is the load, not what the client managed.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut tasks = JoinSet::new();
    let mut first = None;
    for _ in 0..total {
        let scheduled = ticks.tick().await;
        first.get_or_insert(scheduled);
        let (client, url) = (client.clone(), url.to_string());
        tasks.spawn(async move {
            let outcome = match client.get(&url).send().await {
                Ok(resp) if resp.status() == 200 => resp
                    .bytes()
                    .await
                    .map(drop)
                    .map_err(|err| format!("body: {err}")),
                Ok(resp) => Err(format!("HTTP {}", resp.status().as_u16())),
                Err(err) => Err(format!("request: {err}")),
            };
            (outcome, scheduled.elapsed())
        });
    }
    let mut latencies = Vec::with_capacity(total);
    let mut error_kinds = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((Ok(()), latency)) => latencies.push(latency.as_secs_f64() * 1000.0),
            Ok((Err(kind), _)) => *error_kinds.entry(kind).or_default() += 1,
            Err(panicked) => *error_kinds.entry(panicked.to_string()).or_default() += 1,
        }
    }
    let span = first.map_or(0.0, |first: Instant| first.elapsed().as_secs_f64());
    latencies.sort_by(f64::total_cmp);
    Load {
        achieved_rate: latencies.len() as f64 / span,
        latencies,
        errors: error_kinds.values().sum(),
        error_kinds,
        sent: total,
    }
}
