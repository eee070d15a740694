//! An index report and matcher plugins the matcher tests share.

use std::collections::BTreeMap;
use std::sync::Arc;

use scry_model::{Distribution, Environment, IndexReport, Package, SourcePackage};
use scry_runtime::matcher::MatcherPlugin;
use scry_runtime::{Runtime, RuntimeConfig};

pub fn bookworm() -> Distribution {
    Distribution {
        id: "1".into(),
        did: "debian".into(),
        name: "Debian GNU/Linux".into(),
        version: "12 (bookworm)".into(),
        version_code_name: "bookworm".into(),
        version_id: "12".into(),
        pretty_name: "Debian GNU/Linux 12 (bookworm)".into(),
        ..Distribution::default()
    }
}

pub fn report() -> IndexReport {
    let package = Package {
        id: "10".into(),
        name: "libssl3".into(),
        version: "3.0.11-1~deb12u2".into(),
        kind: "binary".into(),
        source: Some(SourcePackage {
            id: "11".into(),
            name: "openssl".into(),
            version: "3.0.11-1~deb12u2".into(),
            kind: "source".into(),
            normalized_version: String::new(),
            cpe: String::new(),
        }),
        normalized_version: String::new(),
        module: String::new(),
        arch: "amd64".into(),
        cpe: String::new(),
    };
    IndexReport {
        manifest_hash: format!("sha256:{}", "ab".repeat(32)),
        state: IndexReport::FINISHED.into(),
        packages: BTreeMap::from([("10".into(), package)]),
        distributions: BTreeMap::from([("1".into(), bookworm())]),
        repository: BTreeMap::new(),
        environments: BTreeMap::from([(
            "10".into(),
            vec![Environment {
                package_db: "var/lib/dpkg/status".into(),
                introduced_in: format!("sha256:{}", "cd".repeat(32)),
                distribution_id: "1".into(),
                repository_ids: Vec::new(),
            }],
        )]),
        success: true,
        err: String::new(),
        scry_scanners: Vec::new(),
    }
}

/// The first-party debian matcher, loaded.
pub fn debian_matcher() -> Arc<MatcherPlugin> {
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let debian = scry_bundled::FIRST_PARTY_MATCHERS
        .iter()
        .find(|b| b.name == "debian")
        .expect("the debian matcher is embedded");
    Arc::new(MatcherPlugin::load(&runtime, "debian", debian.wasm).unwrap())
}
