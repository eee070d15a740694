//! Allocates without bound during a scan: the runtime's memory cap must stop it.
use scry_sdk::scanner::{Findings, Identity, LayerFile, ScanError, Scanner, Wants};

struct Hostile;

fn identity(name: &str) -> Identity {
    Identity::package(name, "1")
}

fn wants() -> Wants {
    Wants::globs(["**/hostile-trigger"])
}

impl Scanner for Hostile {
    fn identify() -> Identity {
        identity("hostile-membomb")
    }
    fn wanted() -> Wants {
        wants()
    }
    fn scan(_files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![0x5a; 16 << 20]);
            std::hint::black_box(&hoard);
        }
    }
}

scry_sdk::export_scanner!(Hostile);
