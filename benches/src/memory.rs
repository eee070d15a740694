//! Resident memory of this process, from /proc/self/status.

use std::io;

use crate::machine::{field, parse_kib};

/// Peak resident set size so far (`VmHWM`), in bytes.
pub fn peak_rss() -> io::Result<u64> {
    status_bytes("VmHWM")
}

/// Current resident set size (`VmRSS`), in bytes.
pub fn current_rss() -> io::Result<u64> {
    status_bytes("VmRSS")
}

fn status_bytes(name: &str) -> io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    field(&status, name)
        .and_then(parse_kib)
        .ok_or_else(|| io::Error::other(format!("no {name} in /proc/self/status")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_is_at_least_current() {
        let current = super::current_rss().unwrap();
        let peak = super::peak_rss().unwrap();
        assert!(current > 0 && peak >= current);
    }
}
