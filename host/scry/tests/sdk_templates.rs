//! The SDK's two templates as a plugin author meets them: copied out of Scry's tree,
//! built with plain cargo, hot-added to a running combo server, and run alone on an
//! image with `scry plugins test` — a scanner per layer, a matcher against the local
//! vulnerability database (a real Debian feed, matched by dpkg's own ordering).

mod common;
mod debian_feed;
#[allow(dead_code)]
mod feed_updates;
mod matcher_common;
mod serve_common;
mod template_build;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use common::*;
use debian_feed::debian_feed;
use feed_updates::{export_debian, import_bundle};
use scry_updaters::debian::tracker_json;
use serve_common::*;
use template_build::{build_out_of_tree, copy_template_out};

/// Both templates copied to a directory outside the repository and built there.
fn built_templates(dir: &Path) -> (PathBuf, PathBuf) {
    let scanner = copy_template_out("scanner", &dir.join("my-scanner"));
    let matcher = copy_template_out("matcher", &dir.join("my-matcher"));
    (
        build_out_of_tree(&scanner, "gemspec_scanner"),
        build_out_of_tree(&matcher, "crates_matcher"),
    )
}

fn stdout_of(output: std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn both_templates_build_out_of_tree_and_are_hot_added_to_a_combo_server() {
    let outside = tempfile::tempdir().unwrap();
    let (scanner, matcher) = built_templates(outside.path());
    for (wasm, identity) in [
        (&scanner, "gemspec 1 scanner package"),
        (&matcher, "crates 1 matcher matcher"),
    ] {
        let verified = stdout_of(run(scry().args(["plugins", "verify"]).arg(wasm)));
        assert!(verified.starts_with(identity), "{verified}");
    }

    let server = Server::start("combo", None).await;
    let remote = ["--server", server.api.as_str(), "--psk", PSK];
    for wasm in [&scanner, &matcher] {
        stdout_of(run(scry().args(["plugins", "add"]).arg(wasm).args(remote)));
    }
    let listed = stdout_of(run(scry().args(["plugins", "list"]).args(remote)));
    for line in ["scanner  gemspec ", "matcher  crates "] {
        assert!(
            listed
                .lines()
                .any(|l| l.starts_with(line) && l.contains(" api ")),
            "{line:?} not in {listed}"
        );
    }
}

#[test]
fn plugins_test_runs_the_scanner_template_on_each_layer() {
    let outside = tempfile::tempdir().unwrap();
    let scanner = copy_template_out("scanner", &outside.path().join("my-scanner"));
    let wasm = build_out_of_tree(&scanner, "gemspec_scanner");
    let ruby = fixtures().join("ruby");

    let json = stdout_of(run(scry()
        .args(["plugins", "test"])
        .arg(&wasm)
        .arg(ruby.join("layer.tar.gz"))
        .args(["--format", "json"])));
    let test: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(test["plugin"]["name"], "gemspec");
    let layers = test["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{json}");
    assert!(layers[0]["error"].is_null() && layers[0]["millis"].as_f64().is_some());
    let found: BTreeSet<(String, String)> = layers[0]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = tsv(&ruby.join("expected-gems.tsv"))
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    assert_eq!(found, expected);

    // A multi-layer image without gems: every layer listed, nothing found, no error.
    let table = stdout_of(run(scry()
        .args(["plugins", "test"])
        .arg(&wasm)
        .arg(fixtures().join("bookworm/oci"))));
    assert!(
        table.starts_with("gemspec 1 (package scanner) sha256:"),
        "{table}"
    );
    assert!(
        table.lines().any(|l| l.starts_with("layer sha256:")),
        "{table}"
    );
    assert!(table.contains(" 0 packages, 0 errors, "), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn plugins_test_judges_an_image_with_a_matcher_against_the_local_database() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("clair.yaml");
    let data = dir.path().join("data");
    std::fs::write(&config, format!("scry:\n  data_dir: {}\n", data.display())).unwrap();
    let debian = dir.path().join("debian.wasm");
    let embedded = scry_bundled::FIRST_PARTY_MATCHERS
        .iter()
        .find(|m| m.name == "debian")
        .unwrap();
    std::fs::write(&debian, embedded.wasm).unwrap();
    let bookworm = fixtures().join("bookworm/oci");
    let test = |plugin: &Path| {
        run(scry()
            .args(["plugins", "test"])
            .arg(plugin)
            .arg(&bookworm)
            .args(["--format", "json", "--config"])
            .arg(&config))
    };

    // Nothing loaded yet: a clear error, not an empty answer.
    let empty = test(&debian);
    assert_eq!(empty.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&empty.stderr);
    assert!(
        stderr.contains("vulnerability database") && stderr.contains("import-updaters"),
        "{stderr}"
    );

    let packages = tsv(&fixtures().join("bookworm/expected-dpkg.tsv"));
    let (entries, expected) = debian_feed(&packages);
    let feed = FeedServer::start(HashMap::from([(
        "/json".to_string(),
        serde_json::to_vec(&tracker_json(&entries)).unwrap(),
    )]))
    .await;
    let bundle = export_debian(&feed.url("/json"), dir.path(), "bundle");
    import_bundle(&bundle, &config);

    let judged: serde_json::Value = serde_json::from_str(&stdout_of(test(&debian))).unwrap();
    assert_eq!(judged["plugin"]["name"], "debian-matcher");
    assert_eq!(
        judged["handled"], judged["records"],
        "every record of a Debian image"
    );
    assert!(judged["error"].is_null(), "{judged}");
    let pairs: BTreeSet<(String, String)> = judged["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f[0].as_str().unwrap().into(), f[2].as_str().unwrap().into()))
        .collect();
    assert_eq!(pairs, expected, "the pairs dpkg --compare-versions gives");

    // The matcher template judges crates: none in a Debian image.
    let outside = tempfile::tempdir().unwrap();
    let matcher = copy_template_out("matcher", &outside.path().join("my-matcher"));
    let crates = build_out_of_tree(&matcher, "crates_matcher");
    let judged: serde_json::Value = serde_json::from_str(&stdout_of(test(&crates))).unwrap();
    assert_eq!(
        (
            judged["plugin"]["name"].as_str(),
            judged["handled"].as_u64()
        ),
        (Some("crates"), Some(0))
    );
    assert_eq!(judged["findings"], serde_json::json!([]));
}

/// A scanner's Clair config block reaches it through `scry serve`: the scanner template
/// reports the gem server named in `indexer.scanner.package.gemspec.repository_uri`,
/// and a value it rejects stops start-up with a message naming the plugin and the key.
#[tokio::test(flavor = "multi_thread")]
async fn a_scanner_reads_its_config_block_through_scry_serve() {
    let outside = tempfile::tempdir().unwrap();
    let scanner = copy_template_out("scanner", &outside.path().join("my-scanner"));
    let wasm = build_out_of_tree(&scanner, "gemspec_scanner");
    let plugins = tempfile::tempdir().unwrap();
    std::fs::copy(&wasm, plugins.path().join("gemspec.wasm")).unwrap();
    let block = |uri: &str| {
        format!("  scanner:\n    package:\n      gemspec:\n        repository_uri: {uri}\n")
    };
    let rest = format!(
        "  plugin_dir: {}\nupdaters:\n  sets: []\n",
        plugins.path().display()
    );

    let mirror = "https://gems.example.internal/";
    let server = Server::start_config("combo", None, &block(mirror), &rest).await;
    let (image, manifest, digests) =
        matcher_common::single_layer_image(&fixtures().join("ruby/layer.tar.gz"));
    let layers = LayerServer::start(image.path()).await;
    let response = reqwest::Client::new()
        .post(format!("{}/indexer/api/v1/index_report", server.api))
        .bearer_auth(quay_token())
        .json(&clair_manifest(&manifest, &digests, &layers))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", server.log());
    let report: serde_json::Value = response.json().await.unwrap();
    let uris: Vec<&str> = report["repository"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["name"] == "rubygems")
        .filter_map(|r| r["uri"].as_str())
        .collect();
    assert_eq!(uris, [mirror], "{report}");
    drop(server);

    let refused = tempfile::tempdir().unwrap();
    let config = refused.path().join("clair.yaml");
    let yaml = format!(
        "http_listen_addr: 127.0.0.1:{}\nintrospection_addr: 127.0.0.1:{}\nindexer:\n{}scry:\n  data_dir: {}\n{rest}",
        free_port(),
        free_port(),
        block("ftp://gems.example.internal/"),
        refused.path().join("data").display()
    );
    std::fs::write(&config, yaml).unwrap();
    // `scry plugins test` applies the block as `scry serve` does.
    let tested = run(scry()
        .args(["plugins", "test"])
        .arg(&wasm)
        .arg(fixtures().join("ruby/layer.tar.gz"))
        .arg("--config")
        .arg(&config));
    assert_eq!(tested.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&tested.stderr);
    assert!(
        stderr.contains("(from indexer.scanner.package.gemspec)"),
        "{stderr}"
    );
    let out = run(scry().args(["serve", "--config"]).arg(&config));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("plugin gemspec rejected its configuration")
            && stderr.contains("repository_uri must be an http(s) URL")
            && stderr.contains("indexer.scanner.package.gemspec"),
        "{stderr}"
    );
}
