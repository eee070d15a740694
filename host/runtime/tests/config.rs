//! Plugin configuration across WIT versions, with real components: a 0.2.0 plugin gets
//! its block in every call instance (not only at load) and may reject it, naming
//! itself; a 0.1.0 plugin keeps loading and scanning unchanged and refuses any block.

use std::cell::RefCell;
use std::sync::Arc;

mod common;

use common::hostile;
use scry_runtime::{
    MatcherPlugin, PluginContents, PluginError, PluginFailure, PluginFile, Runtime, ScannerKind,
    ScannerPlugin, Settings, WitVersion, matcher::IndexRecord,
};

fn runtime() -> Runtime {
    common::runtime(None)
}

fn settings(pairs: &[(&str, &str)]) -> Settings {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

fn file(path: &str, contents: &[u8]) -> PluginFile {
    PluginFile {
        path: path.into(),
        mode: 0o644,
        size: contents.len() as u64,
        contents: PluginContents::Inline(Arc::from(contents)),
    }
}

/// The message of a `Config` failure, after checking the error names `plugin`.
fn rejection(err: PluginError, plugin: &str) -> String {
    assert_eq!(err.plugin, plugin, "{err}");
    let shown = err.to_string();
    match err.failure {
        PluginFailure::Config(why) => {
            assert_eq!(
                shown,
                format!("plugin {plugin} rejected its configuration: {why}")
            );
            why
        }
        other => panic!("expected a configuration rejection, got {other}"),
    }
}

#[test]
fn a_scanner_reads_its_settings_in_every_call_and_is_identified_unconfigured() {
    let runtime = runtime();
    let asked = RefCell::new(Vec::new());
    // `identify` traps if it runs configured, so loading at all shows it did not.
    let plugin = ScannerPlugin::load_configured(
        &runtime,
        "configured.wasm",
        &hostile("configured"),
        |name, kind| {
            asked.borrow_mut().push((name.to_string(), kind));
            settings(&[
                ("name", "from-config"),
                ("globs.0", "**/one"),
                ("globs.1", "**/two"),
            ])
        },
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        asked.into_inner(),
        [("hostile-configured".to_string(), ScannerKind::Package)],
        "the block is picked by the name identify told, once"
    );
    assert_eq!(plugin.wit_version(), WitVersion::V0_2);
    assert_eq!(plugin.settings().len(), 3);
    assert_eq!(
        plugin.wants.globs,
        ["**/one", "**/two"],
        "wanted ran configured"
    );
    for layer in 0..3 {
        let found = plugin
            .scan(vec![file("one", b"layer")])
            .unwrap_or_else(|err| panic!("layer {layer}: {err}"));
        let names: Vec<(&str, &str)> = found
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        // Version = how many settings that call's fresh instance received.
        assert_eq!(names, [("from-config", "3")], "layer {layer}");
    }
}

#[test]
fn a_scanner_without_a_block_runs_with_empty_settings() {
    let runtime = runtime();
    let plugin = ScannerPlugin::load(&runtime, "configured", &hostile("configured"))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(plugin.settings().is_empty());
    assert_eq!(plugin.wants.globs, ["**/hostile-trigger"]);
    let found = plugin.scan(vec![file("hostile-trigger", b"go")]).unwrap();
    assert_eq!(found.packages[0].name, "unconfigured");
    assert_eq!(found.packages[0].version, "0");
}

#[test]
fn a_scanner_that_rejects_its_settings_fails_to_load_naming_itself() {
    let runtime = runtime();
    let err = ScannerPlugin::load_configured(
        &runtime,
        "configured.wasm",
        &hostile("configured"),
        |_, _| settings(&[("name", "x"), ("reject", "yes")]),
    )
    .err()
    .expect("rejected");
    let why = rejection(err, "hostile-configured");
    assert_eq!(why, "reject is yes, so this configuration is refused");
}

#[test]
fn a_scanner_built_for_0_1_loads_and_scans_unchanged() {
    let runtime = runtime();
    let wasm = hostile("v0-1-scanner");
    let plugin =
        ScannerPlugin::load(&runtime, "v0-1-scanner", &wasm).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(plugin.wit_version(), WitVersion::V0_1);
    assert_eq!(
        (plugin.name.as_str(), plugin.version.as_str(), plugin.kind),
        ("compat-0-1", "1", ScannerKind::Package)
    );
    assert_eq!(plugin.wants.globs, ["**/etc/compat-release"]);
    let found = plugin
        .scan(vec![file("etc/compat-release", b"4.2\nmore\n")])
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(found.packages.len(), 1);
    let package = &found.packages[0];
    assert_eq!(
        (package.name.as_str(), package.version.as_str()),
        ("compat", "4.2")
    );
    assert_eq!(package.package_db, "etc/compat-release");

    // An empty block is no block: the same plugin loads through the configured path.
    let again = ScannerPlugin::load_configured(&runtime, "v0-1-scanner", &wasm, |name, _| {
        assert_eq!(name, "compat-0-1");
        Settings::new()
    });
    assert!(again.is_ok());
}

#[test]
fn a_scanner_built_for_0_1_refuses_a_block() {
    let runtime = runtime();
    let err = ScannerPlugin::load_configured(
        &runtime,
        "v0-1-scanner",
        &hostile("v0-1-scanner"),
        |_, _| settings(&[("paths.0", "/x"), ("strict", "true")]),
    )
    .err()
    .expect("refused");
    let why = rejection(err, "compat-0-1");
    assert_eq!(
        why,
        "it was built for WIT scry:plugin@0.1.0, which takes no configuration \
         (given paths.0, strict)"
    );
}

fn record(name: &str) -> IndexRecord {
    IndexRecord {
        package: scry_model::Package {
            name: name.into(),
            version: "1".into(),
            ..Default::default()
        },
        distribution: None,
        repository: None,
    }
}

#[test]
fn a_matcher_gets_its_settings_in_every_call() {
    let runtime = runtime();
    let wasm = hostile("matcher-rogue");
    let asked = RefCell::new(Vec::new());
    // `info` traps if it runs configured, so loading at all shows it did not.
    let plugin = MatcherPlugin::load_configured(&runtime, "rogue.wasm", &wasm, |name| {
        asked.borrow_mut().push(name.to_string());
        settings(&[("only", "openssl")])
    })
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(asked.into_inner(), ["hostile-matcher"]);
    assert_eq!(plugin.wit_version(), WitVersion::V0_2);
    assert_eq!(plugin.settings(), &settings(&[("only", "openssl")]));
    let records = [record("openssl"), record("zlib"), record("openssl")];
    for call in 0..3 {
        let flags = plugin
            .filter(&records)
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(flags, [true, false, true], "call {call}");
    }

    let unconfigured = MatcherPlugin::load(&runtime, "rogue", &wasm).unwrap();
    assert_eq!(unconfigured.filter(&records).unwrap(), [true, true, true]);
}

#[test]
fn a_matcher_that_rejects_its_settings_fails_to_load_naming_itself() {
    let runtime = runtime();
    let err =
        MatcherPlugin::load_configured(&runtime, "rogue.wasm", &hostile("matcher-rogue"), |_| {
            settings(&[("reject", "yes")])
        })
        .err()
        .expect("rejected");
    let why = rejection(err, "hostile-matcher");
    assert_eq!(why, "reject is yes, so this configuration is refused");
}

#[test]
fn first_party_matchers_accept_and_ignore_a_block() {
    let runtime = runtime();
    let debian = scry_bundled::FIRST_PARTY_MATCHERS
        .iter()
        .find(|m| m.name == "debian")
        .expect("bundled debian matcher");
    let plugin = MatcherPlugin::load_configured(&runtime, "debian", debian.wasm, |_| {
        settings(&[("anything", "at all")])
    })
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(plugin.name(), "debian-matcher");
    let plain = MatcherPlugin::load(&runtime, "debian", debian.wasm).unwrap();
    assert_eq!(plugin.query(), plain.query());
}
