//! A plugin written outside the workspace against `sdk/` alone (the SDK template) builds
//! with plain cargo for wasm32-wasip2 and finds its packages when added to `scry`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::*;

fn build_template() -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("template-target");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(root.join("sdk/template/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("running cargo");
    assert!(
        status.success(),
        "the template plugin builds with plain cargo"
    );
    target_dir.join("wasm32-wasip2/release/gemspec_scanner.wasm")
}

#[test]
fn the_sdk_template_builds_alone_and_finds_real_gems() {
    let wasm = build_template();
    let plugins = tempfile::tempdir().unwrap();
    std::fs::copy(&wasm, plugins.path().join("gemspec.wasm")).unwrap();
    let dir_arg = plugins.path().to_str().unwrap();

    let listing = run(scry().args(["--plugin-dir", dir_arg, "plugins", "list"]));
    let listing = String::from_utf8(listing.stdout).unwrap();
    assert!(
        listing.lines().any(|l| l.starts_with("gemspec ")),
        "{listing}"
    );

    let dir = fixtures().join("ruby");
    let report = scan(&dir.join("layer.tar.gz"), &["--plugin-dir", dir_arg]);
    let expected: BTreeSet<(String, String)> = tsv(&dir.join("expected-gems.tsv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(packages_in(&report, "ruby:"), expected);
    assert!(
        report.repository.values().any(|r| r.name == "rubygems"),
        "{:?}",
        report.repository
    );
    assert_environments(&report);
}
