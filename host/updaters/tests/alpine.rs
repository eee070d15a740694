//! The `alpine` set against a local HTTP server: real secdb files (vulnerablecode's
//! v3.11 main and v3.3 community, from scripts/fixtures.sh) and a hand-written v3.18.

mod feed_server;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use feed_server::{
    FeedServer, Reply, context, data, fetch_new, oracle, parse, refused_url, sample,
};
use scry_model::{Distribution, Package, Vulnerability};
use scry_updaters::alpine::AlpineSet;
use scry_updaters::{Collect, FetchContext, Fetched, Updater, UpdaterError, UpdaterSet};
use serde_json::json;

/// secdb with v3.3 (community only has content), v3.11 and v3.18 (main), and edge.
async fn server() -> FeedServer {
    let empty_main = br#"{"apkurl":"{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk","archs":["x86_64"],"reponame":"main","urlprefix":"https://dl-cdn.alpinelinux.org/alpine","distroversion":"edge","packages":[]}"#;
    let mut routes = BTreeMap::new();
    let mut file = |path: &str, body: Vec<u8>| {
        routes.insert(path.to_string(), Reply::file(body, path));
    };
    file("/v3.11/main.json", sample("alpine/v3.11/main.json"));
    file("/v3.3/community.json", sample("alpine/v3.3/community.json"));
    file("/v3.18/main.json", data("alpine/v3.18/main.json"));
    file("/edge/main.json", empty_main.to_vec());
    for dir in ["/v3.3/", "/v3.4/", "/v3.5/", "/edge/"] {
        file(dir, b"<html>index</html>".to_vec());
    }
    FeedServer::start(routes).await
}

async fn updaters(ctx: &FetchContext) -> Vec<Arc<dyn Updater>> {
    let set = AlpineSet.updaters(ctx).await.expect("alpine set");
    set.into_iter().map(Arc::from).collect()
}

fn by_name(updaters: &[Arc<dyn Updater>], name: &str) -> Arc<dyn Updater> {
    updaters
        .iter()
        .find(|u| u.name() == name)
        .unwrap_or_else(|| panic!("no updater {name}"))
        .clone()
}

async fn run(updater: Arc<dyn Updater>, ctx: &FetchContext) -> Vec<Vulnerability> {
    let download = fetch_new(updater.as_ref(), ctx).await;
    parse(updater, download).await.vulnerabilities
}

fn alpine(version_id: &str) -> Distribution {
    Distribution {
        did: "alpine".into(),
        name: "Alpine Linux".into(),
        version_id: version_id.into(),
        pretty_name: format!("Alpine Linux v{version_id}"),
        ..Distribution::default()
    }
}

fn source(name: &str) -> Package {
    Package {
        id: String::new(),
        name: name.into(),
        version: String::new(),
        kind: "source".into(),
        source: None,
        normalized_version: String::new(),
        module: String::new(),
        arch: String::new(),
        cpe: String::new(),
    }
}

#[tokio::test]
async fn real_secdb_matches_the_oracle() {
    let server = server().await;
    let ctx = context(json!({"alpine": {"url": server.url("/"), "releases": ["v3.3", "v3.11"]}}));
    let all = updaters(&ctx).await;
    let names: Vec<&str> = all.iter().map(|u| u.name()).collect();
    assert_eq!(
        names,
        [
            "alpine-main-v3.3-updater",
            "alpine-community-v3.3-updater",
            "alpine-main-v3.11-updater",
            "alpine-community-v3.11-updater"
        ]
    );

    let main = run(by_name(&all, "alpine-main-v3.11-updater"), &ctx).await;
    let community = run(by_name(&all, "alpine-community-v3.3-updater"), &ctx).await;
    assert!(community.is_empty(), "v3.3 community has no packages");

    let expected: BTreeSet<Vec<String>> = oracle("expected-alpine.tsv").into_iter().collect();
    let got: BTreeSet<Vec<String>> = main
        .iter()
        .map(|v| {
            vec![
                "v3.11".into(),
                "main".into(),
                v.package.as_ref().unwrap().name.clone(),
                v.fixed_in_version.clone(),
                v.name.clone(),
            ]
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        main.len(),
        6,
        "one record per (fixed version, id); \"CVE-… XSA-…\" is two"
    );

    let apk_tools = main.iter().find(|v| v.name == "CVE-2017-9669").unwrap();
    assert_eq!(
        *apk_tools,
        Vulnerability {
            name: "CVE-2017-9669".into(),
            links: "https://security.alpinelinux.org/vuln/CVE-2017-9669".into(),
            normalized_severity: "Unknown".into(),
            package: Some(source("apk-tools")),
            distribution: Some(alpine("3.11")),
            fixed_in_version: "2.7.2-r0".into(),
            issued: "0001-01-01T00:00:00Z".into(),
            ..Vulnerability::default()
        }
    );
    let xsa: Vec<&str> = main
        .iter()
        .filter(|v| v.name == "XSA-252")
        .map(|v| v.fixed_in_version.as_str())
        .collect();
    assert_eq!(xsa, ["4.10-1-r1", "4.10.0-r2"]);
}

#[tokio::test]
async fn not_affected_nulls_and_edge() {
    let server = server().await;
    let ctx = context(json!({"alpine": {"url": server.url("/"), "releases": ["v3.18", "edge"]}}));
    let all = updaters(&ctx).await;
    let vulns = run(by_name(&all, "alpine-main-v3.18-updater"), &ctx).await;
    let fixed: BTreeMap<&str, &str> = vulns
        .iter()
        .map(|v| (v.name.as_str(), v.fixed_in_version.as_str()))
        .collect();
    assert_eq!(
        fixed,
        BTreeMap::from([
            ("CVE-2022-3358", "0"),
            ("CVE-2022-48174", "1.36.1-r2"),
            ("CVE-2023-3446", "3.1.2-r0"),
            ("CVE-2023-3817", "3.1.2-r0"),
            ("CVE-2023-5363", "3.1.4-r0"),
        ])
    );
    assert!(vulns.iter().all(|v| v.distribution == Some(alpine("3.18"))));

    let edge = run(by_name(&all, "alpine-main-edge-updater"), &ctx).await;
    assert!(edge.is_empty());
    let dist = scry_updaters::alpine::distribution("edge");
    assert_eq!(
        (dist.version_id.as_str(), dist.pretty_name.as_str()),
        ("edge", "Alpine Linux edge")
    );
}

#[tokio::test]
async fn releases_are_discovered_by_head_requests() {
    let server = server().await;
    let ctx = context(json!({"alpine": {"url": server.url("/")}}));
    let names: Vec<String> = updaters(&ctx)
        .await
        .iter()
        .map(|u| u.name().to_string())
        .collect();
    assert_eq!(names.len(), 8, "{names:?}");
    for release in ["v3.3", "v3.4", "v3.5", "edge"] {
        assert!(
            names.contains(&format!("alpine-main-{release}-updater")),
            "{names:?}"
        );
    }
    assert_eq!(
        server.hits("/v3.6/"),
        1,
        "the first missing release ends the walk"
    );
    assert_eq!(server.hits("/v4.0/"), 1, "then the next major is tried");
}

#[tokio::test]
async fn second_fetch_with_the_fingerprint_is_unchanged() {
    let server = server().await;
    let ctx = context(json!({"alpine": {"url": server.url("/"), "releases": ["v3.11"]}}));
    let updater = by_name(&updaters(&ctx).await, "alpine-main-v3.11-updater");
    let first = fetch_new(updater.as_ref(), &ctx).await;
    let again = updater.fetch(&ctx, Some(&first.fingerprint)).await.unwrap();
    assert!(matches!(again, Fetched::Unchanged));
    assert_eq!(server.hits("/v3.11/main.json"), 2);
    assert_eq!(server.not_modified("/v3.11/main.json"), 1);
}

#[tokio::test]
async fn errors_name_the_url_or_file() {
    let server = server().await;
    let ctx = context(json!({"alpine": {"url": server.url("/"), "releases": ["v3.11"]}}));
    let updater = by_name(&updaters(&ctx).await, "alpine-main-v3.11-updater");

    server.set("/v3.11/main.json", Reply::Status(500));
    let err = updater.fetch(&ctx, None).await.err().expect("500");
    assert!(
        matches!(err, UpdaterError::Status { status: 500, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&server.url("/v3.11/main.json")),
        "{err}"
    );

    for garbage in [
        &b"<!DOCTYPE html><title>502</title>"[..],
        br#"{"reponame": "main"}"#,
    ] {
        server.set("/v3.11/main.json", Reply::file(garbage, "garbage"));
        let download = fetch_new(updater.as_ref(), &ctx).await;
        let parser = updater.clone();
        let err = tokio::task::spawn_blocking(move || {
            parser
                .parse(&download, &mut Collect::default())
                .unwrap_err()
        })
        .await
        .unwrap();
        assert!(matches!(err, UpdaterError::Parse { .. }), "{err}");
        assert!(err.to_string().contains("/v3.11/main.json"), "{err}");
    }

    let bad = context(json!({"alpine": {"releases": ["3.18"]}}));
    let err = AlpineSet
        .updaters(&bad)
        .await
        .err()
        .expect("bad release name");
    assert!(matches!(err, UpdaterError::Config { .. }), "{err}");
}

#[tokio::test]
async fn no_network_fails_cleanly() {
    let base = refused_url("/");
    let ctx = context(json!({"alpine": {"url": base}}));
    let err = AlpineSet.updaters(&ctx).await.err().expect("refused");
    assert!(matches!(err, UpdaterError::Fetch { .. }), "{err}");
    assert!(err.to_string().contains("v3.3/"), "{err}");

    let ctx = context(json!({"alpine": {"url": base, "releases": ["v3.18"]}}));
    let updater = AlpineSet.updaters(&ctx).await.unwrap().remove(0);
    let err = updater.fetch(&ctx, None).await.err().expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("v3.18/main.json") && text.to_lowercase().contains("refused"),
        "{text}"
    );
}
