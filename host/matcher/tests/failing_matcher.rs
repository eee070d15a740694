//! A matcher plugin that fails does not fail the report and is never silent: the
//! report names it under `scry_matchers.failed`, and the other matchers' findings stay.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::{bookworm, debian_matcher, report};
use scry_matcher::{Matchers, build_report, index_records};
use scry_model::{Package, Vulnerability};
use scry_runtime::matcher::MatcherPlugin;
use scry_runtime::{Runtime, RuntimeConfig};

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
    let rogue = scry_bundled::HOSTILE
        .iter()
        .find(|(name, _)| *name == "matcher-rogue")
        .expect("the rogue matcher is built");
    let plugins = vec![
        debian_matcher(),
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
