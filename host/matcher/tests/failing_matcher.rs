//! A matcher plugin that fails does not fail the report and is never silent: the
//! report names it under `scry_matchers.failed`, and the other matchers' findings stay.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use scry_matcher::{Matchers, build_report, index_records};
use scry_model::{Distribution, Environment, IndexReport, Package, SourcePackage, Vulnerability};
use scry_runtime::matcher::MatcherPlugin;
use scry_runtime::{Runtime, RuntimeConfig};

fn bookworm() -> Distribution {
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

fn report() -> IndexReport {
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
    }
}

/// Stored vulnerabilities: one the debian matcher finds (source-keyed, fixed later)
/// and one whose name makes the rogue matcher panic.
fn stored() -> HashMap<String, Vec<Arc<Vulnerability>>> {
    let source = |name: &str, cve: &str, id: &str, fixed: &str| Vulnerability {
        id: id.into(),
        updater: "debian/updater".into(),
        name: cve.into(),
        normalized_severity: "High".into(),
        package: Some(Package {
            name: name.into(),
            kind: "source".into(),
            ..report().packages["10"].clone()
        }),
        distribution: Some(bookworm()),
        fixed_in_version: fixed.into(),
        ..Vulnerability::default()
    };
    HashMap::from([
        (
            "openssl".into(),
            vec![Arc::new(source(
                "openssl",
                "CVE-2099-0001",
                "7",
                "3.0.13-1~deb12u1",
            ))],
        ),
        (
            "libssl3".into(),
            vec![Arc::new(Vulnerability {
                package: Some(report().packages["10"].clone()),
                // No distribution: the debian matcher's constraints exclude it.
                distribution: None,
                ..source("libssl3", "trap", "8", "")
            })],
        ),
    ])
}

#[test]
fn a_failing_matcher_is_named_and_the_others_still_report() {
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let debian = scry_plugins::FIRST_PARTY_MATCHERS
        .iter()
        .find(|b| b.name == "debian")
        .expect("the debian matcher is embedded");
    let rogue = scry_plugins::HOSTILE
        .iter()
        .find(|(name, _)| *name == "matcher-rogue")
        .expect("the rogue matcher is built");
    let plugins = vec![
        Arc::new(MatcherPlugin::load(&runtime, "debian", debian.wasm).unwrap()),
        Arc::new(
            MatcherPlugin::load(&runtime, "matcher-rogue", &std::fs::read(rogue.1).unwrap())
                .unwrap(),
        ),
    ];
    let matchers = Matchers::new(plugins);
    let index = report();
    let records = index_records(&index);
    let (hits, run) = matchers.run(&records, &stored());
    let report = build_report(&index, &records, hits, run);

    assert_eq!(report.matchers.ran, vec!["debian-matcher".to_string()]);
    let failure = &report.matchers.failed["hostile-matcher"];
    assert!(failure.contains("hostile-matcher"), "{failure}");
    assert_eq!(report.package_vulnerabilities["10"], vec!["7".to_string()]);
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["scry_matchers"]["failed"]["hostile-matcher"].is_string());
}
