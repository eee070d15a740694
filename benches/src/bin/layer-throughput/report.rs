//! The figures as markdown: printed, and recorded in RESULTS.md.

use std::fmt::Write as _;

use scry_benches::{
    machine::Machine,
    stats::{median, range},
};

use crate::{
    fixtures::BigLayers,
    rss::MemoryFigures,
    throughput::{LayerFigures, PluginFigures},
};

/// The brief's targets: the full pipeline keeps 90 % of the baseline's throughput, and a
/// 1 GiB layer is scanned in less than 256 MiB.
const TARGET_RATIO: f64 = 0.9;
const TARGET_PEAK_RSS: u64 = 256 << 20;

pub struct Report<'a> {
    pub machine: Machine,
    pub date: String,
    pub commit: Option<String>,
    pub command: String,
    /// 1-minute load average before and after the run.
    pub load: (Option<f64>, Option<f64>),
    pub reps: usize,
    pub big: &'a BigLayers,
    pub throughput: &'a [LayerFigures],
    pub plugins: &'a [PluginFigures],
    pub memory: Option<&'a MemoryFigures>,
}

impl Report<'_> {
    /// One section per machine: a rerun on it replaces the last figures.
    pub fn section_key(&self) -> String {
        format!("layer-throughput @ {}", self.machine.key())
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        self.header(&mut out);
        self.throughput(&mut out);
        self.breakdown(&mut out);
        self.memory(&mut out);
        out
    }

    fn header(&self, out: &mut String) {
        let _ = writeln!(out, "## {}\n", self.section_key());
        let _ = writeln!(out, "- Date: {}", self.date);
        if let Some(commit) = &self.commit {
            let _ = writeln!(out, "- Commit: `{commit}`");
        }
        let _ = writeln!(out, "- Machine: {}", self.machine.describe());
        let load = |load: Option<f64>| load.map_or("?".to_string(), |load| format!("{load:.2}"));
        let _ = writeln!(
            out,
            "- Load average (1 min): {} before, {} after (anything well above 0 means \
             other work shared the CPUs)",
            load(self.load.0),
            load(self.load.1)
        );
        let _ = writeln!(out, "- Command: `{}`", self.command);
        let inputs: Vec<String> = self
            .big
            .layers
            .iter()
            .map(|layer| {
                format!(
                    "{} ({})",
                    file_name(&layer.path),
                    mb(layer.compressed_bytes)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "- Input: `$SCRY_FIXTURES/big/` {}, one tar of {}; {} timed repetitions after \
             one warm-up, modes and formats interleaved; medians, (min–max) in parentheses.\n",
            inputs.join(" and "),
            mb(self.big.tar_bytes),
            self.reps
        );
    }

    fn throughput(&self, out: &mut String) {
        let _ = writeln!(out, "### Throughput, MB/s of uncompressed tar\n");
        let _ = writeln!(
            out,
            "| Layer | Baseline (`walk_only`) | Read + route (`read_layer`) \
             | Full pipeline (`scan_layer`) | Full / baseline |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|");
        for figures in self.throughput {
            let rate = |secs: &[f64]| rate_cell(figures.tar_bytes, secs);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | **{:.2}** |",
                figures.compression,
                rate(&figures.baseline),
                rate(&figures.routed),
                rate(&figures.full),
                ratio(figures)
            );
        }
        let ratios: Vec<String> = self
            .throughput
            .iter()
            .map(|figures| format!("{} {:.2}", figures.compression, ratio(figures)))
            .collect();
        let met = self.throughput.iter().all(|f| ratio(f) >= TARGET_RATIO);
        let _ = writeln!(
            out,
            "\nTarget full / baseline ≥ {TARGET_RATIO}: **{}** ({}).",
            verdict(met),
            ratios.join(", ")
        );
        if let Some(first) = self.throughput.first() {
            let stats = &first.routed_stats;
            let _ = writeln!(
                out,
                "Each full run found {} packages and {} distribution(s); the routed read \
                 captured {} of {} entries ({} in memory, {} spooled).\n",
                first.packages,
                first.distributions,
                stats.captured_files,
                stats.entries,
                mb(stats.inline_bytes),
                mb(stats.spooled_bytes)
            );
        }
    }

    fn breakdown(&self, out: &mut String) {
        let Some(gzip) = self.throughput.first() else {
            return;
        };
        let (baseline, routed, full) = (
            median(&gzip.baseline),
            median(&gzip.routed),
            median(&gzip.full),
        );
        let _ = writeln!(
            out,
            "### Where the time goes ({} layer, medians)\n",
            gzip.compression
        );
        // Plugins that were not called have no times (a NaN median).
        let plugins: f64 = self
            .plugins
            .iter()
            .map(|plugin| median(&plugin.secs))
            .filter(|secs| !secs.is_nan())
            .sum();
        let _ = writeln!(out, "| Stage | Time | Share of full |");
        let _ = writeln!(out, "|---|--:|--:|");
        let share = |secs: f64| format!("{:.1} %", 100.0 * secs / full);
        for (stage, secs) in [
            ("Full pipeline (`scan_layer`)", full),
            ("Baseline: hash + decompress + walk + read bodies", baseline),
            (
                "Routing + capture: read + route − baseline",
                routed - baseline,
            ),
            (
                "Plugin scans: sum of the plugins' `scan` times below",
                plugins,
            ),
            (
                "Hand-off and the rest: full − read + route − plugin scans",
                full - routed - plugins,
            ),
        ] {
            let _ = writeln!(out, "| {stage} | {:.1} ms | {} |", secs * 1e3, share(secs));
        }
        let _ = writeln!(
            out,
            "\nDifferences of medians: when a stage costs less than the run-to-run spread \
             it can come out negative."
        );
        let _ = writeln!(
            out,
            "\n| Plugin | Files | Bytes | Spooled files | Packages | `scan` time |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|");
        for plugin in self.plugins {
            let time = if plugin.secs.is_empty() {
                "not called".to_string()
            } else {
                let (min, max) = range(&plugin.secs);
                format!(
                    "{:.1} ms ({:.1}–{:.1})",
                    median(&plugin.secs) * 1e3,
                    min * 1e3,
                    max * 1e3
                )
            };
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} | {time} |",
                plugin.name,
                plugin.version,
                plugin.files,
                mb(plugin.bytes),
                plugin.spooled,
                plugin.packages
            );
        }
        out.push('\n');
    }

    fn memory(&self, out: &mut String) {
        let Some(memory) = self.memory else {
            let _ = writeln!(out, "### Peak RSS\n\nNot measured (`--skip-rss`).");
            return;
        };
        let child = &memory.child;
        let _ = writeln!(out, "### Peak RSS, full pipeline in a separate process\n");
        let _ = writeln!(
            out,
            "| Layer | Tar | Peak RSS (`VmHWM`) | Peak after plugin load | Full pipeline |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|");
        let _ = writeln!(
            out,
            "| gzip -1, {} copies of the big layer ({}) | {} | **{}** | {} | {:.0} MB/s |",
            memory.copies,
            mb(memory.compressed_bytes),
            mb(memory.tar_bytes),
            mib(child.peak),
            mib(child.peak_after_load),
            memory.tar_bytes as f64 / child.scan_secs / 1e6
        );
        let _ = writeln!(
            out,
            "\nTarget peak RSS < {}: **{}**. The full pipeline found {} packages \
             (generating the layer took {:.0} s, not counted).",
            mib(TARGET_PEAK_RSS),
            verdict(child.peak < TARGET_PEAK_RSS),
            child.packages,
            memory.generate_secs
        );
    }
}

/// Median MB/s, with the range over repetitions.
fn rate_cell(bytes: u64, secs: &[f64]) -> String {
    let rate = |secs: f64| bytes as f64 / secs / 1e6;
    let (fastest, slowest) = range(secs);
    format!(
        "{:.0} ({:.0}–{:.0})",
        rate(median(secs)),
        rate(slowest),
        rate(fastest)
    )
}

/// Full-pipeline throughput over baseline throughput, from the median times.
fn ratio(figures: &LayerFigures) -> f64 {
    median(&figures.baseline) / median(&figures.full)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}
