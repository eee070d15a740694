//! A plugin written outside the workspace against `sdk/` alone (the SDK template) builds
//! with plain cargo for wasm32-wasip2 and finds its packages when added to `scry`.

mod common;
mod template_build;

use std::collections::BTreeSet;

use common::*;
use template_build::build_template;

#[test]
fn the_sdk_template_builds_alone_and_finds_real_gems() {
    let wasm = build_template(None);
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
