//! Builds the SDK template plugin the way a third-party author would: plain cargo,
//! `wasm32-wasip2`, outside Scry's workspace. `version` other than the template's own
//! ("1") builds a copy whose plugin reports that version.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn build_template(version: Option<&str>) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // One target directory per version: builds of two versions never overwrite each
    // other's output (tests run in parallel).
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("template-target-{}", version.unwrap_or("1")));
    let manifest = match version {
        None => root.join("sdk/template/Cargo.toml"),
        Some(version) => versioned_copy(&root, version),
    };
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(&manifest)
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

/// The template in `CARGO_TARGET_TMPDIR/template-<version>`, reporting `version`.
fn versioned_copy(root: &Path, version: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("template-{version}"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let template = root.join("sdk/template");
    let sdk = std::fs::canonicalize(root.join("sdk")).unwrap();
    let cargo = std::fs::read_to_string(template.join("Cargo.toml"))
        .unwrap()
        .replace("path = \"..\"", &format!("path = \"{}\"", sdk.display()));
    std::fs::write(dir.join("Cargo.toml"), cargo).unwrap();
    std::fs::copy(template.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let source = std::fs::read_to_string(template.join("src/lib.rs")).unwrap();
    let bumped = source.replacen(
        "version: \"1\".into()",
        &format!("version: \"{version}\".into()"),
        1,
    );
    assert_ne!(source, bumped, "the template's version line moved");
    std::fs::write(dir.join("src/lib.rs"), bumped).unwrap();
    dir.join("Cargo.toml")
}
