//! A scanner whose behaviour comes from its configuration block, for the runtime's
//! configuration tests: `identify` traps unless it runs unconfigured; `reject: yes` is
//! refused; `globs` (a list) replaces the files it wants; `scan` reports one package
//! named by `name`, versioned by how many settings this instance received.
use scry_sdk::config::{self, Config};
use scry_sdk::scanner::{Findings, Identity, LayerFile, Package, ScanError, Scanner, Wants};

struct Configured;

impl Scanner for Configured {
    fn identify() -> Identity {
        // The contract: identity never depends on configuration.
        assert!(config::current().is_empty(), "identify ran configured");
        Identity::package("hostile-configured", "1")
    }

    fn configure(config: &Config) -> Result<(), String> {
        match config.get("reject") {
            Some("yes") => Err("reject is yes, so this configuration is refused".into()),
            _ => Ok(()),
        }
    }

    fn wanted() -> Wants {
        let globs = config::current().list("globs");
        if globs.is_empty() {
            return Wants::globs(["**/hostile-trigger"]);
        }
        Wants::globs(globs)
    }

    fn scan(_files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let config = config::current();
        let name = config.get("name").unwrap_or("unconfigured");
        let mut findings = Findings::empty();
        findings
            .packages
            .push(Package::binary(name, config.iter().count().to_string()));
        Ok(findings)
    }
}

scry_sdk::export_scanner!(Configured);
