//! Telling scanners from matchers by their exports, and refusing by name what this host
//! cannot run: another WIT version, the other world, or bytes that are no component.

mod common;

use common::{hostile, runtime};
use scry_runtime::{
    MatcherPlugin, PluginError, PluginFailure, ScannerPlugin, WIT_VERSION, WIT_VERSIONS,
    WitVersion, World, world_and_version_of, world_of,
};

/// The reason of an `Invalid` failure, after checking the error names the plugin.
fn invalid(err: PluginError, label: &str) -> String {
    assert_eq!(err.plugin, label, "{err}");
    match err.failure {
        PluginFailure::Invalid(why) => why,
        other => panic!("expected an invalid plugin, got {other}"),
    }
}

#[test]
fn wit_version_is_the_one_in_the_wit_files() {
    for wit in [
        include_str!("../../../wit/scanner.wit"),
        include_str!("../../../wit/matcher.wit"),
        include_str!("../../../wit/types.wit"),
    ] {
        assert!(wit.contains(&format!("package scry:plugin@{WIT_VERSION};")));
    }
    for archived in [
        include_str!("../../../sdk/wit-archive/0.1.0/scanner.wit"),
        include_str!("../../../sdk/wit-archive/0.1.0/matcher.wit"),
        include_str!("../../../sdk/wit-archive/0.1.0/types.wit"),
    ] {
        assert!(archived.contains("package scry:plugin@0.1.0;"));
        assert!(!archived.contains("configure"), "0.1.0 stays as published");
    }
    assert_eq!(WIT_VERSIONS, ["0.1.0", WIT_VERSION]);
    assert_eq!(WitVersion::V0_1.as_str(), "0.1.0");
    assert_eq!(WitVersion::V0_2.to_string(), "scry:plugin@0.2.0");
    assert_eq!(World::Scanner.as_str(), "scanner");
    assert_eq!(World::Matcher.as_str(), "matcher");
}

#[test]
fn first_party_plugins_are_of_their_own_world() {
    let runtime = runtime(None);
    for bundled in scry_bundled::FIRST_PARTY {
        let found = world_and_version_of(&runtime, bundled.name, bundled.wasm)
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            found,
            (World::Scanner, WitVersion::V0_2),
            "{}",
            bundled.name
        );
    }
    for bundled in scry_bundled::FIRST_PARTY_MATCHERS {
        let found = world_and_version_of(&runtime, bundled.name, bundled.wasm)
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            found,
            (World::Matcher, WitVersion::V0_2),
            "{}",
            bundled.name
        );
    }
    let compat = hostile("v0-1-scanner");
    assert_eq!(
        world_and_version_of(&runtime, "v0-1-scanner", &compat).unwrap(),
        (World::Scanner, WitVersion::V0_1)
    );
    assert_eq!(
        world_of(&runtime, "v0-1-scanner", &compat).unwrap(),
        World::Scanner
    );
}

#[test]
fn a_plugin_for_another_wit_version_is_refused_naming_the_versions() {
    let runtime = runtime(None);
    let wasm = hostile("wrong-wit");
    let reasons = [
        invalid(
            world_of(&runtime, "wrong-wit", &wasm).unwrap_err(),
            "wrong-wit",
        ),
        invalid(
            ScannerPlugin::load(&runtime, "wrong-wit", &wasm)
                .err()
                .unwrap(),
            "wrong-wit",
        ),
        invalid(
            MatcherPlugin::load(&runtime, "wrong-wit", &wasm)
                .err()
                .unwrap(),
            "wrong-wit",
        ),
    ];
    for why in reasons {
        assert_eq!(
            why,
            "built for WIT scry:plugin@0.3.0 (exports scry:plugin/scanner@0.3.0); \
             this host supports scry:plugin@0.1.0 and scry:plugin@0.2.0"
        );
    }
}

#[test]
fn bytes_that_are_no_component_say_so() {
    let runtime = runtime(None);
    let core_module = b"\0asm\x01\0\0\0";
    for (label, wasm) in [
        ("garbage", &b"hello, not wasm"[..]),
        ("empty", &b""[..]),
        ("core", &core_module[..]),
    ] {
        let reasons = [
            invalid(world_of(&runtime, label, wasm).unwrap_err(), label),
            invalid(
                ScannerPlugin::load(&runtime, label, wasm).err().unwrap(),
                label,
            ),
            invalid(
                MatcherPlugin::load(&runtime, label, wasm).err().unwrap(),
                label,
            ),
        ];
        for why in reasons {
            assert!(
                why.contains("not a WebAssembly component"),
                "{label}: {why}"
            );
            assert!(why.contains("wasm32-wasip2"), "{label}: {why}");
        }
    }
    let why = invalid(world_of(&runtime, "core", core_module).unwrap_err(), "core");
    assert!(why.contains("core WebAssembly module"), "{why}");
}

#[test]
fn a_plugin_loaded_as_the_other_world_says_which_it_is() {
    let runtime = runtime(None);
    let matcher = &scry_bundled::FIRST_PARTY_MATCHERS[0];
    let why = invalid(
        ScannerPlugin::load(&runtime, matcher.name, matcher.wasm)
            .err()
            .unwrap(),
        matcher.name,
    );
    assert_eq!(
        why,
        "a matcher plugin (exports scry:plugin/matcher@0.2.0), not a scanner"
    );
    let scanner = &scry_bundled::FIRST_PARTY[0];
    let why = invalid(
        MatcherPlugin::load(&runtime, scanner.name, scanner.wasm)
            .err()
            .unwrap(),
        scanner.name,
    );
    assert_eq!(
        why,
        "a scanner plugin (exports scry:plugin/scanner@0.2.0), not a matcher"
    );
}

#[test]
fn asking_the_world_compiles_once_for_the_load_that_follows() {
    let cache = tempfile::tempdir().expect("tempdir");
    let runtime = runtime(Some(cache.path().to_path_buf()));
    let scanner = &scry_bundled::FIRST_PARTY[0];
    assert_eq!(
        world_of(&runtime, scanner.name, scanner.wasm).unwrap(),
        World::Scanner
    );
    let cached: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    let modified = std::fs::metadata(&cached[0]).unwrap().modified().unwrap();
    ScannerPlugin::load(&runtime, scanner.name, scanner.wasm).expect("loads");
    assert_eq!(
        std::fs::metadata(&cached[0]).unwrap().modified().unwrap(),
        modified,
        "the load reused the compiled component"
    );
}

#[test]
fn a_component_of_neither_world_lists_what_it_exports() {
    let runtime = runtime(None);
    // The smallest valid component: the header alone, exporting nothing.
    let empty = b"\0asm\x0d\0\x01\0";
    let why = invalid(world_of(&runtime, "empty", empty).unwrap_err(), "empty");
    assert_eq!(
        why,
        "exports neither scry:plugin/scanner nor scry:plugin/matcher of \
         scry:plugin@0.1.0 and scry:plugin@0.2.0 (it exports nothing)"
    );
}
