//! Builds the SDK template plugins the way a third-party author would: plain cargo,
//! `wasm32-wasip2`, outside Scry's workspace. `version` other than the scanner
//! template's own ("1") builds a copy whose plugin reports that version.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The scanner template (`sdk/templates/scanner`, the gemspec scanner).
pub fn build_template(version: Option<&str>) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // One target directory per version: builds of two versions never overwrite each
    // other's output (tests run in parallel).
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("template-target-{}", version.unwrap_or("1")));
    let manifest = match version {
        None => root.join("sdk/templates/scanner/Cargo.toml"),
        Some(version) => versioned_copy(version),
    };
    assert!(
        cargo_build_wasm(&manifest, &target_dir),
        "the template plugin builds with plain cargo"
    );
    target_dir.join("wasm32-wasip2/release/gemspec_scanner.wasm")
}

/// The matcher template (`sdk/templates/matcher`, the crates.io matcher), built in
/// place with its own target directory.
pub fn build_matcher_template() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("matcher-template-target");
    let manifest = root.join("sdk/templates/matcher/Cargo.toml");
    assert!(
        cargo_build_wasm(&manifest, &target_dir),
        "the matcher template builds with plain cargo"
    );
    target_dir.join("wasm32-wasip2/release/crates_matcher.wasm")
}

/// Builds the crate at `manifest` as its author would (plain cargo); the path of its
/// component `<package>.wasm`. Every out-of-tree build shares one target directory, so
/// the SDK and wit-bindgen compile once per test run (cargo serialises the builds).
pub fn build_out_of_tree(manifest: &Path, package: &str) -> PathBuf {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("out-of-tree-target");
    assert!(
        cargo_build_wasm(manifest, &target_dir),
        "{} builds with plain cargo",
        manifest.display()
    );
    target_dir.join(format!("wasm32-wasip2/release/{package}.wasm"))
}

/// A copy of `sdk/templates/<kind>` at `dir` whose `scry-sdk` dependency points at this
/// checkout's SDK by absolute path: what an author does after copying the template out
/// of the tree.
pub fn copy_template_out(kind: &str, dir: &Path) -> PathBuf {
    let root = std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap();
    let template = root.join("sdk/templates").join(kind);
    let _ = std::fs::remove_dir_all(dir);
    copy_tree(&template.join("src"), &dir.join("src"));
    let cargo = std::fs::read_to_string(template.join("Cargo.toml"))
        .unwrap()
        .replace(
            "path = \"../..\"",
            &format!("path = \"{}\"", root.join("sdk").display()),
        );
    std::fs::write(dir.join("Cargo.toml"), cargo).unwrap();
    if template.join("Cargo.lock").exists() {
        std::fs::copy(template.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    }
    dir.join("Cargo.toml")
}

/// `cargo build --release --target wasm32-wasip2` of `manifest` into `target_dir`, as
/// an author would run it (none of this build's flags or target directory leak in).
fn cargo_build_wasm(manifest: &Path, target_dir: &Path) -> bool {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("running cargo")
        .success()
}

/// The template in `CARGO_TARGET_TMPDIR/template-<version>`, reporting `version`.
fn versioned_copy(version: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("template-{version}"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = copy_template_out("scanner", &dir);
    let source = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let bumped = source.replacen(
        "const VERSION: &str = \"1\";",
        &format!("const VERSION: &str = \"{version}\";"),
        1,
    );
    assert_ne!(source, bumped, "the template's version line moved");
    std::fs::write(dir.join("src/lib.rs"), bumped).unwrap();
    manifest
}

/// A new build of the first-party plugin in `plugins/<crate_dir>` that reports
/// `version`, built standalone (its own workspace and target directory) as an operator
/// would build a fix or an upgrade. `opt_level` ("s", "z", "2"...) is its code
/// generation: two builds of one version at different levels are different components
/// with the same identity, as a fix is.
pub fn build_first_party(crate_dir: &str, version: &str, opt_level: &str) -> PathBuf {
    let root = std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap();
    let source = root.join("plugins").join(crate_dir);
    let tag = format!("{}-{version}-{opt_level}", crate_dir.replace('/', "-"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("plugin-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&source.join("src"), &dir.join("src"));
    let sdk = root.join("sdk");
    let cargo = std::fs::read_to_string(source.join("Cargo.toml")).unwrap();
    let mut standalone = String::new();
    for line in cargo.lines() {
        let line = match line.trim() {
            "version.workspace = true" => "version = \"0.1.0\"".to_string(),
            "edition.workspace = true" => "edition = \"2024\"".to_string(),
            "rust-version.workspace = true" => "rust-version = \"1.95\"".to_string(),
            "license.workspace = true" => "license = \"Apache-2.0\"".to_string(),
            l if l.starts_with("scry-sdk = { workspace = true") => l.replacen(
                "workspace = true",
                &format!("path = \"{}\"", sdk.display()),
                1,
            ),
            _ => line.to_string(),
        };
        standalone.push_str(&line);
        standalone.push('\n');
    }
    standalone.push_str(&format!(
        "\n[workspace]\n\n[profile.release]\nopt-level = \"{opt_level}\"\nstrip = true\n"
    ));
    std::fs::write(dir.join("Cargo.toml"), standalone).unwrap();
    std::fs::copy(root.join("plugins/Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let lib = dir.join("src/lib.rs");
    let code = std::fs::read_to_string(&lib).unwrap();
    // A scanner's `const VERSION`, or a declared matcher's `version: "1"`.
    let bumped = code
        .replacen(
            "const VERSION: &str = \"1\";",
            &format!("const VERSION: &str = \"{version}\";"),
            1,
        )
        .replacen("version: \"1\",", &format!("version: \"{version}\","), 1);
    assert_ne!(code, bumped, "{crate_dir}: the version line moved");
    std::fs::write(&lib, bumped).unwrap();
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("plugin-target-{tag}"));
    assert!(
        cargo_build_wasm(&dir.join("Cargo.toml"), &target_dir),
        "building {crate_dir} {version}"
    );
    let package = cargo
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap()
        .replace('-', "_");
    target_dir.join(format!("wasm32-wasip2/release/{package}.wasm"))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}
