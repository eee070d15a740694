//! Builds every crate of the `plugins/` workspace for wasm32-wasip2 and embeds the
//! first-party ones (scanners directly under `plugins/`, matchers under
//! `plugins/matchers/`); hostile test plugins are only referenced by path.
//!
//! The nested cargo gets its own target directory (inside OUT_DIR), so it never waits
//! on the lock of the build that runs this script.

use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("host/bundled sits two levels below the root");
    let plugins = root.join("plugins");
    for watched in ["plugins", "sdk/src", "sdk/Cargo.toml", "sdk/wit"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target_dir = out.join("wasm-target");

    let first_party = crates_in(&plugins, "scry-plugin-");
    let matchers = crates_in(&plugins.join("matchers"), "scry-matcher-");
    let hostile = crates_in(&plugins.join("hostile"), "scry-hostile-");
    build(&plugins, &target_dir);

    let wasm = |package: &str| {
        target_dir
            .join(TARGET)
            .join("release")
            .join(format!("{}.wasm", package.replace('-', "_")))
    };
    let bundle = |name: &str, crates: &[(String, String)]| {
        let mut code = format!("pub const {name}: &[Bundled] = &[\n");
        for (package, short) in crates {
            code += &format!(
                "    Bundled {{ name: {short:?}, wasm: include_bytes!({:?}) }},\n",
                wasm(package)
            );
        }
        code + "];\n\n"
    };
    let mut code = bundle("FIRST_PARTY", &first_party);
    code += &bundle("FIRST_PARTY_MATCHERS", &matchers);
    code += "pub const HOSTILE: &[(&str, &str)] = &[\n";
    for (package, short) in &hostile {
        code += &format!(
            "    ({short:?}, {:?}),\n",
            wasm(package).display().to_string()
        );
    }
    code += "];\n";
    std::fs::write(out.join("bundled.rs"), code).unwrap();
}

/// Directories under `plugins/` that group crates rather than being one.
const GROUPS: [&str; 2] = ["matchers", "hostile"];

/// `(package name, directory name)` of each crate directly under `dir`.
fn crates_in(dir: &Path, prefix: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .filter_map(Result::ok)
        .filter(|entry| !GROUPS.iter().any(|group| entry.file_name() == *group))
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| {
            let short = entry.file_name().to_string_lossy().into_owned();
            (format!("{prefix}{short}"), short)
        })
        .collect();
    found.sort();
    found
}

/// One `cargo build --workspace`: the SDK's world features are additive, and a world's
/// exports are only declared by its export macro, so a scanner built next to the
/// matchers still exports only the scanner world.
fn build(workspace: &Path, target_dir: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "--release",
            "--target",
            TARGET,
            "--workspace",
            "--target-dir",
        ])
        .arg(target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .unwrap_or_else(|err| panic!("running cargo for the plugins: {err}"));
    assert!(
        status.success(),
        "building the plugins for {TARGET} failed (is the target installed? `rustup target add {TARGET}`)"
    );
}
