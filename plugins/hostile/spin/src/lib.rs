//! Never returns from a scan: the runtime must interrupt it at its deadline.
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
        identity("hostile-spin")
    }
    fn wanted() -> Wants {
        wants()
    }
    fn scan(files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let mut counter = files.len() as u64;
        loop {
            counter =
                std::hint::black_box(counter.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
}

scry_sdk::export_scanner!(Hostile);
