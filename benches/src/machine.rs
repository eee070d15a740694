//! What a result was measured on, from /proc (Linux only, like Scry's deployments).

use std::fs;

/// The machine a benchmark ran on.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPUs this process may run on (what `nproc` prints).
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_bytes: u64,
    pub kernel: String,
}

impl Machine {
    pub fn detect() -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model: field(&cpuinfo, "model name")
                .unwrap_or("unknown CPU")
                .to_string(),
            memory_bytes: field(&meminfo, "MemTotal").and_then(parse_kib).unwrap_or(0),
            kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|release| release.trim().to_string())
                .unwrap_or_default(),
        }
    }

    /// Names the machine in a results section heading; stable across reboots, so a
    /// rerun on the same machine replaces its section.
    pub fn key(&self) -> String {
        format!(
            "{} × {}, {:.0} GiB",
            self.cpus,
            self.cpu_model,
            gib(self.memory_bytes)
        )
    }

    pub fn describe(&self) -> String {
        format!(
            "nproc {}, {}, {:.1} GiB RAM, Linux {}",
            self.cpus,
            self.cpu_model,
            gib(self.memory_bytes),
            self.kernel
        )
    }
}

/// The 1-minute load average: above a few tenths, something else competed for the
/// CPUs during the run and the figures are suspect.
pub fn load_average() -> Option<f64> {
    let loadavg = fs::read_to_string("/proc/loadavg").ok()?;
    loadavg.split_whitespace().next()?.parse().ok()
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

/// The value of `name: value` in a /proc text file (first occurrence).
pub(crate) fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim())
    })
}

/// `"12345 kB"` → bytes.
pub(crate) fn parse_kib(value: &str) -> Option<u64> {
    let number = value.strip_suffix("kB").unwrap_or(value).trim();
    number.parse::<u64>().ok().map(|kib| kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_fields() {
        let text = "processor\t: 0\nmodel name\t: Some CPU @ 2.0GHz\nMemTotal:  2048 kB\n";
        assert_eq!(field(text, "model name"), Some("Some CPU @ 2.0GHz"));
        assert_eq!(
            field(text, "MemTotal").and_then(parse_kib),
            Some(2048 * 1024)
        );
        assert_eq!(field(text, "absent"), None);
    }
}
