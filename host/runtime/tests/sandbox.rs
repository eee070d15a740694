//! Hostile plugins, built from `plugins/hostile/*` as real components, must each fail
//! their own scan with an error naming them, while the process and other plugins carry on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use scry_runtime::{
    PluginContents, PluginFailure, PluginFile, PluginLimits, Runtime, RuntimeConfig, ScannerPlugin,
};

fn runtime(limits: PluginLimits) -> Runtime {
    Runtime::new(RuntimeConfig {
        limits,
        cache_dir: None,
        max_instances: 16,
        ..RuntimeConfig::default()
    })
    .expect("runtime")
}

fn hostile(runtime: &Runtime, name: &str) -> ScannerPlugin {
    let (_, path) = scry_bundled::HOSTILE
        .iter()
        .find(|(short, _)| *short == name)
        .unwrap_or_else(|| panic!("hostile plugin {name} was not built"));
    let wasm = std::fs::read(path).expect("reading hostile plugin");
    ScannerPlugin::load(runtime, name, &wasm)
        .expect("hostile plugins load fine; they misbehave when scanning")
}

fn first_party(runtime: &Runtime, name: &str) -> ScannerPlugin {
    let bundled = scry_bundled::FIRST_PARTY
        .iter()
        .find(|b| b.name == name)
        .expect("bundled plugin");
    ScannerPlugin::load(runtime, name, bundled.wasm).expect("first-party plugin loads")
}

fn trigger() -> Vec<PluginFile> {
    vec![PluginFile {
        path: "hostile-trigger".into(),
        mode: 0o644,
        size: 3,
        contents: PluginContents::Inline(Arc::from(&b"go\n"[..])),
    }]
}

/// This machine's own dpkg database: a real input for the well-behaved plugin.
fn dpkg_status() -> Vec<PluginFile> {
    let bytes =
        std::fs::read("/var/lib/dpkg/status").expect("this Debian machine has a dpkg status file");
    vec![PluginFile {
        path: "var/lib/dpkg/status".into(),
        mode: 0o644,
        size: bytes.len() as u64,
        contents: PluginContents::Inline(Arc::from(bytes)),
    }]
}

#[test]
fn endless_loop_is_interrupted_at_the_deadline_while_another_plugin_scans() {
    let limits = PluginLimits {
        scan_deadline: Duration::from_secs(1),
        ..PluginLimits::default()
    };
    let runtime = runtime(limits);
    let spin = hostile(&runtime, "spin");
    let dpkg = first_party(&runtime, "dpkg");

    let started = Instant::now();
    let spinning = std::thread::spawn(move || spin.scan(trigger()));
    let found = dpkg
        .scan(dpkg_status())
        .expect("dpkg scans while the other plugin spins");
    assert!(
        found.packages.len() > 50,
        "the machine's dpkg database lists many packages"
    );
    assert!(
        !spinning.is_finished(),
        "the spinning plugin is still running when dpkg is done"
    );

    let err = spinning
        .join()
        .expect("no panic in the host")
        .expect_err("an endless loop cannot succeed");
    assert_eq!(err.plugin, "hostile-spin");
    assert!(matches!(err.failure, PluginFailure::Deadline(_)), "{err}");
    assert!(err.to_string().contains("hostile-spin"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "interrupted promptly: {:?}",
        started.elapsed()
    );
}

#[test]
fn memory_bomb_hits_the_memory_cap() {
    let limits = PluginLimits {
        memory_bytes: 64 << 20,
        ..PluginLimits::default()
    };
    let runtime = runtime(limits);
    let err = hostile(&runtime, "membomb")
        .scan(trigger())
        .expect_err("a memory bomb cannot succeed");
    assert_eq!(err.plugin, "hostile-membomb");
    assert!(
        matches!(err.failure, PluginFailure::Memory { cap } if cap == 64 << 20),
        "{err}"
    );
    assert!(err.to_string().contains("memory cap of 64 MiB"), "{err}");
}

#[test]
fn a_panic_traps_only_that_scan() {
    let runtime = runtime(PluginLimits::default());
    let trap = hostile(&runtime, "trap");
    let err = trap.scan(trigger()).expect_err("a panic cannot succeed");
    assert_eq!(err.plugin, "hostile-trap");
    assert!(matches!(err.failure, PluginFailure::Trap(_)), "{err}");
    // A fresh store per scan: the same plugin traps again, cleanly, and others still work.
    assert!(trap.scan(trigger()).is_err());
    assert!(first_party(&runtime, "dpkg").scan(dpkg_status()).is_ok());
}

#[test]
fn oversized_output_is_rejected() {
    let limits = PluginLimits {
        max_records: 100_000,
        ..PluginLimits::default()
    };
    let runtime = runtime(limits);
    let err = hostile(&runtime, "flood")
        .scan(trigger())
        .expect_err("200k records are over the cap");
    assert_eq!(err.plugin, "hostile-flood");
    assert!(
        matches!(err.failure, PluginFailure::OutputTooLarge(_)),
        "{err}"
    );
    assert!(err.to_string().contains("200000 records"), "{err}");
}

#[test]
fn garbage_output_is_rejected() {
    let runtime = runtime(PluginLimits::default());
    let err = hostile(&runtime, "garbage")
        .scan(trigger())
        .expect_err("a nameless package is invalid");
    assert_eq!(err.plugin, "hostile-garbage");
    assert!(matches!(err.failure, PluginFailure::Garbage(_)), "{err}");
}

#[test]
fn plugins_see_no_files_environment_arguments_or_network() {
    let runtime = runtime(PluginLimits::default());
    let found = hostile(&runtime, "snoop")
        .scan(trigger())
        .expect("snooping is allowed to fail quietly");
    let seen: Vec<&str> = found.packages.iter().map(|p| p.name.as_str()).collect();
    for expected in [
        "denied-read:/etc/passwd",
        "denied-read:/",
        "denied-read:.",
        "denied-read:/proc/self/environ",
        "env-vars:0",
        "args:0",
        "denied-connect",
    ] {
        assert!(
            seen.contains(&expected),
            "expected {expected:?} in {seen:?}"
        );
    }
    assert!(
        !seen
            .iter()
            .any(|s| s.starts_with("wrote:") || s.starts_with("connected:")),
        "{seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|s| s.starts_with("resolved:") && *s != "resolved:0"),
        "{seen:?}"
    );
}

#[test]
fn bytes_that_are_not_a_component_are_rejected_with_the_label() {
    let runtime = runtime(PluginLimits::default());
    let err = ScannerPlugin::load(&runtime, "junk.wasm", b"\0asm\x01\0\0\0garbage")
        .err()
        .expect("not a component");
    assert_eq!(err.plugin, "junk.wasm");
    assert!(matches!(err.failure, PluginFailure::Invalid(_)), "{err}");
    let err = ScannerPlugin::load(&runtime, "text.wasm", b"hello")
        .err()
        .expect("not wasm at all");
    assert!(err.to_string().contains("text.wasm"), "{err}");
}

#[test]
fn compiled_components_are_cached_on_disk_and_reused() {
    let cache = tempfile::tempdir().unwrap();
    let config = RuntimeConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..RuntimeConfig::default()
    };
    let bundled = scry_bundled::FIRST_PARTY
        .iter()
        .find(|b| b.name == "dpkg")
        .unwrap();

    let first =
        ScannerPlugin::load(&Runtime::new(config.clone()).unwrap(), "dpkg", bundled.wasm).unwrap();
    let cached: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1, "one precompiled artifact: {cached:?}");
    assert!(cached[0].to_string_lossy().contains(&first.content_hash));
    let modified = std::fs::metadata(&cached[0]).unwrap().modified().unwrap();

    let second = ScannerPlugin::load(&Runtime::new(config).unwrap(), "dpkg", bundled.wasm).unwrap();
    assert_eq!(
        std::fs::metadata(&cached[0]).unwrap().modified().unwrap(),
        modified,
        "reused, not rewritten"
    );
    assert_eq!(second.content_hash, first.content_hash);
    assert!(second.scan(dpkg_status()).unwrap().packages.len() > 50);
}
