//! `scry plugins verify|add|remove|list`, on a plugin directory and on a running
//! server's admin API, with the SDK template as the third-party plugin.

mod common;
mod serve_common;
mod template_build;

use common::*;
use serve_common::*;
use template_build::build_template;

fn ok(output: std::process::Output) -> String {
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

fn failed(output: std::process::Output) -> String {
    assert!(
        !output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn verify_add_and_remove_in_a_plugin_directory() {
    let template = build_template(None);
    let verified = ok(run(scry().args(["plugins", "verify"]).arg(&template)));
    assert!(
        verified.starts_with("gemspec 1 scanner package sha256:"),
        "{verified}"
    );
    // Matchers are verified the same way; a plugin for another WIT version is refused.
    let matchers = tempfile::tempdir().unwrap();
    let debian = scry_bundled::FIRST_PARTY_MATCHERS
        .iter()
        .find(|m| m.name == "debian")
        .unwrap();
    let debian_file = matchers.path().join("debian.wasm");
    std::fs::write(&debian_file, debian.wasm).unwrap();
    let verified = ok(run(scry().args(["plugins", "verify"]).arg(&debian_file)));
    assert!(
        verified.starts_with("debian-matcher 1 matcher matcher sha256:"),
        "{verified}"
    );
    let wrong_wit = scry_bundled::HOSTILE
        .iter()
        .find(|(name, _)| *name == "wrong-wit")
        .unwrap()
        .1;
    let refused = failed(run(scry().args(["plugins", "verify", wrong_wit])));
    assert!(
        refused.contains("built for WIT scry:plugin@0.3.0")
            && refused.contains("this host supports scry:plugin@0.1.0 and scry:plugin@0.2.0"),
        "{refused}"
    );
    let trap = scry_bundled::HOSTILE
        .iter()
        .find(|(name, _)| *name == "trap")
        .unwrap()
        .1;
    let refused = failed(run(scry().args(["plugins", "verify", trap])));
    assert!(refused.contains("smoke call"), "{refused}");

    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    ok(run(scry()
        .args(["--plugin-dir", dir_arg, "plugins", "add"])
        .arg(&template)));
    assert!(dir.path().join("scanner-gemspec.wasm").exists());
    let refused = failed(run(scry().args([
        "--plugin-dir",
        dir_arg,
        "plugins",
        "add",
        trap,
    ])));
    assert!(refused.contains("smoke call"), "{refused}");
    let listed = ok(run(scry().args([
        "--plugin-dir",
        dir_arg,
        "plugins",
        "list",
    ])));
    assert!(
        listed.lines().any(|l| l.starts_with("gemspec ")),
        "{listed}"
    );

    ok(run(scry().args([
        "--plugin-dir",
        dir_arg,
        "plugins",
        "remove",
        "gemspec",
    ])));
    assert!(!dir.path().join("scanner-gemspec.wasm").exists());
    let missing = failed(run(scry().args([
        "--plugin-dir",
        dir_arg,
        "plugins",
        "remove",
        "gemspec",
    ])));
    assert!(missing.contains("no plugin named \"gemspec\""), "{missing}");
}

#[tokio::test(flavor = "multi_thread")]
async fn add_list_and_remove_on_a_running_server() {
    let template = build_template(None);
    let server = Server::start("combo", None).await;
    let remote = ["--server", server.api.as_str(), "--psk", PSK];
    let added = ok(run(scry()
        .args(["plugins", "add"])
        .arg(&template)
        .args(remote)));
    assert!(
        added.contains("gemspec 1: index_state") && added.contains("(changed"),
        "{added}"
    );
    let listed = ok(run(scry().args(["plugins", "list"]).args(remote)));
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("scanner  gemspec ") && l.contains(" api ")),
        "{listed}"
    );
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("matcher  debian-matcher ")),
        "{listed}"
    );
    assert!(listed.contains("\nmatcher_state "), "{listed}");
    let removed = ok(run(scry()
        .args(["plugins", "remove", "gemspec"])
        .args(remote)));
    assert!(removed.starts_with("scanner gemspec 1:"), "{removed}");
    let wrong_key = ["--server", server.api.as_str(), "--psk", "d3Jvbmcta2V5"];
    let refused = failed(run(scry().args(["plugins", "list"]).args(wrong_key)));
    assert!(refused.contains("401"), "{refused}");
}
