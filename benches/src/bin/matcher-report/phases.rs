//! Where one report's time goes: the steps `MatcherService::report_for` takes, each
//! timed on its own (medians of sequential repetitions, no other load), through the
//! same public functions the service calls.

use std::time::Instant;

use scry_benches::stats::median;
use scry_matcher::{MatcherService, Matchers, build_report, index_records};
use scry_store::{IndexStore, VulnStore};

pub struct Phases {
    /// (step, median ms), in order.
    pub steps: Vec<(String, f64)>,
    /// (matcher, median ms of its filter + vulnerable calls).
    pub per_matcher: Vec<(String, f64)>,
    pub candidates: usize,
}

pub async fn measure(
    service: &MatcherService,
    index_store: &IndexStore,
    vuln_store: &VulnStore,
    client: &reqwest::Client,
    report_url: &str,
    digest: &str,
    reps: usize,
) -> anyhow::Result<Phases> {
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); 9];
    let matchers = service.matchers().clone();
    let cold = MatcherService::new(
        vuln_store.clone(),
        (*matchers).clone(),
        std::sync::Arc::new(index_store.clone()),
        true,
    )
    .with_verdict_cache(0);
    let mut candidates = 0;
    for _ in 0..reps {
        let mut step = 0;
        let mut clock = Instant::now();
        let mut lap = |times: &mut Vec<Vec<f64>>| {
            times[step].push(clock.elapsed().as_secs_f64() * 1000.0);
            step += 1;
            clock = Instant::now();
        };
        let resp = client.get(report_url).send().await?;
        anyhow::ensure!(resp.status() == 200);
        resp.bytes().await?;
        lap(&mut times);
        let report = service
            .report_for(&index_of(index_store, digest).await?)
            .await;
        report.map_err(anyhow::Error::msg)?;
        lap(&mut times);
        cold.report_for(&index_of(index_store, digest).await?)
            .await
            .map_err(anyhow::Error::msg)?;
        lap(&mut times);
        let index = index_of(index_store, digest).await?;
        lap(&mut times);
        let records = index_records(&index);
        let names = matchers.lookup_names(&records, None);
        lap(&mut times);
        let stored = vuln_store.vulnerabilities_for_packages(&names).await?;
        candidates = stored.values().map(Vec::len).sum();
        lap(&mut times);
        let (hits, run) = matchers.run(&records, &stored);
        lap(&mut times);
        let vulnerability_report = build_report(&index, &records, hits, run);
        lap(&mut times);
        serde_json::to_vec(&vulnerability_report)?;
        lap(&mut times);
    }
    let labels = [
        "GET over HTTP, end to end (sequential)",
        "`report_for`, verdicts cached (a repeated request)",
        "`report_for`, verdict cache off (as the first request after an update)",
        "read the index report from the store",
        "records and lookup names",
        "store lookup (`vulnerabilities_for_packages`)",
        "matcher plugins (`Matchers::run`, all of them)",
        "build the report",
        "JSON encoding of the report",
    ];
    let mut steps: Vec<(String, f64)> = labels
        .iter()
        .zip(&times)
        .map(|(label, samples)| (label.to_string(), median(samples)))
        .collect();
    // Enrichment is private to the matcher crate: what `report_for` spends beyond the
    // parts it shares with the steps above.
    let parts: f64 = steps[4..8].iter().map(|(_, ms)| ms).sum();
    steps.push((
        "CVSS enrichment lookup and the rest (uncached `report_for` − records, lookup, matchers, build)"
            .into(),
        steps[2].1 - parts,
    ));
    let per_matcher = per_matcher(&matchers, index_store, vuln_store, digest, reps).await?;
    Ok(Phases {
        steps,
        per_matcher,
        candidates,
    })
}

async fn per_matcher(
    matchers: &Matchers,
    index_store: &IndexStore,
    vuln_store: &VulnStore,
    digest: &str,
    reps: usize,
) -> anyhow::Result<Vec<(String, f64)>> {
    let index = index_of(index_store, digest).await?;
    let records = index_records(&index);
    let stored = vuln_store
        .vulnerabilities_for_packages(&matchers.lookup_names(&records, None))
        .await?;
    let mut out = Vec::new();
    for plugin in matchers.plugins() {
        let alone = Matchers::new(vec![plugin.clone()]);
        let mut samples = Vec::with_capacity(reps);
        for _ in 0..reps {
            let started = Instant::now();
            let (_, run) = alone.run(&records, &stored);
            anyhow::ensure!(run.failed.is_empty(), "{:?}", run.failed);
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        out.push((plugin.name().to_string(), median(&samples)));
    }
    Ok(out)
}

async fn index_of(store: &IndexStore, digest: &str) -> anyhow::Result<scry_model::IndexReport> {
    let (report, _state) = store
        .index_report(digest)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no index report for {digest}"))?;
    Ok(report)
}
