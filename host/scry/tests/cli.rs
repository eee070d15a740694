//! The CLI's other promises: plugin listing, failures that name the layer, table output.

mod common;

use common::*;

#[test]
fn plugins_list_shows_the_first_party_plugins_with_hashes() {
    let output = run(scry().args(["plugins", "list"]));
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for (name, kind) in [
        ("apk", "package"),
        ("dpkg", "package"),
        ("os-release", "distribution"),
        ("python", "package"),
        ("rpm", "package"),
        ("debian-matcher", "matcher"),
        ("rhel", "matcher"),
        ("python", "matcher"),
        ("java-maven", "matcher"),
    ] {
        let line = text
            .lines()
            .find(|l| {
                let fields: Vec<&str> = l.split_whitespace().collect();
                fields.first() == Some(&name) && fields.get(2) == Some(&kind)
            })
            .unwrap_or_else(|| panic!("{name} in {text}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[2], kind, "{line}");
        assert_eq!(fields[3], "embedded", "{line}");
        assert_eq!(fields[4].len(), 64, "sha256 hex: {line}");
    }
}

#[test]
fn a_tampered_layer_fails_the_scan_naming_the_layer() {
    let source = fixtures().join("bookworm/oci");
    let copy = tempfile::tempdir().unwrap();
    let layout = copy.path().join("oci");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&source)
        .arg(&layout)
        .status()
        .unwrap();
    assert!(status.success());
    // Swap the layer blob for another real layer: same name, wrong bytes.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(layout.join("blobs/sha256").join(&manifest_digest[7..])).unwrap(),
    )
    .unwrap();
    let layer_digest = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::copy(
        fixtures().join("alpine/layer.tar.gz"),
        layout.join("blobs/sha256").join(&layer_digest[7..]),
    )
    .unwrap();

    let output = run(scry().arg("scan").arg(&layout).args(["--format", "json"]));
    assert_eq!(output.status.code(), Some(1), "a failed index exits 1");
    let report: scry_model::IndexReport = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report.state, "IndexError");
    assert!(!report.success);
    assert!(
        report.err.contains(&layer_digest),
        "err names the layer: {}",
        report.err
    );
    assert!(
        report.err.contains("digest"),
        "err says why: {}",
        report.err
    );
}

#[test]
fn table_output_lists_packages_and_the_distribution() {
    let output = run(scry()
        .arg("scan")
        .arg(fixtures().join("bookworm/layer.tar.zst")));
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("Distribution: Debian GNU/Linux 12 (bookworm)\n"),
        "{text}"
    );
    let expected = tsv(&fixtures().join("bookworm/expected-dpkg.tsv")).len();
    assert!(
        text.trim_end().ends_with(&format!("{expected} packages")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("bash ") && l.contains("var/lib/dpkg/status"))
    );
}

#[test]
fn a_path_that_is_no_image_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(scry().arg("scan").arg(dir.path()));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("not an OCI image layout"), "{stderr}");
    assert!(
        stderr.contains(&dir.path().display().to_string()),
        "{stderr}"
    );
}
