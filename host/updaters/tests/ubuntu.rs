//! The `ubuntu` set against a local HTTP server: Launchpad's series list, real CVE
//! OVAL (vulnerablecode's bionic sample, bzip2-compressed by scripts/fixtures.sh) and
//! a hand-written jammy OVAL in the current generator's shape.

mod feed_server;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use feed_server::{
    FeedServer, Reply, context, data, fetch_new, oracle, parse, refused_url, sample,
};
use scry_model::{Distribution, Package, Vulnerability};
use scry_updaters::ubuntu::UbuntuSet;
use scry_updaters::{Collect, FetchContext, Fetched, Updater, UpdaterError, UpdaterSet};
use serde_json::json;

const SERIES: &str = "/1.0/ubuntu/series";
const BIONIC: &str = "/oval/com.ubuntu.bionic.cve.oval.xml.bz2";
const JAMMY: &str = "/oval/com.ubuntu.jammy.cve.oval.xml.bz2";

async fn server() -> FeedServer {
    let mut routes = BTreeMap::new();
    routes.insert(
        SERIES.to_string(),
        Reply::file(data("ubuntu/series.json"), "series"),
    );
    routes.insert(
        BIONIC.to_string(),
        Reply::file(
            sample("ubuntu/com.ubuntu.bionic.cve.oval.xml.bz2"),
            "bionic-1",
        ),
    );
    // Served uncompressed under the .bz2 name: the parser goes by content.
    routes.insert(
        JAMMY.to_string(),
        Reply::file(data("ubuntu/com.ubuntu.jammy.cve.oval.xml"), "jammy-1"),
    );
    FeedServer::start(routes).await
}

fn config(server: &FeedServer) -> serde_json::Value {
    json!({"ubuntu": {
        "url": server.url("/oval/"),
        "series_url": server.url(SERIES),
        "force": [{"name": "bionic", "version": "18.04"}]
    }})
}

async fn updater(ctx: &FetchContext, name: &str) -> Arc<dyn Updater> {
    let all = UbuntuSet.updaters(ctx).await.expect("ubuntu set");
    let found = all.into_iter().find(|u| u.name() == name);
    Arc::from(found.unwrap_or_else(|| panic!("no updater {name}")))
}

async fn run(server: &FeedServer, name: &str) -> Vec<Vulnerability> {
    let ctx = context(config(server));
    let updater = updater(&ctx, name).await;
    let download = fetch_new(updater.as_ref(), &ctx).await;
    parse(updater, download).await.vulnerabilities
}

fn ubuntu(version: &str, codename: &str) -> Distribution {
    let mut title = codename.to_string();
    title[..1].make_ascii_uppercase();
    Distribution {
        did: "ubuntu".into(),
        name: "Ubuntu".into(),
        version: format!("{version} ({title})"),
        version_code_name: codename.into(),
        version_id: version.into(),
        pretty_name: format!("Ubuntu {version}"),
        ..Distribution::default()
    }
}

fn binary(name: &str, arch: &str) -> Package {
    Package {
        id: String::new(),
        name: name.into(),
        version: String::new(),
        kind: "binary".into(),
        source: None,
        normalized_version: String::new(),
        module: String::new(),
        arch: arch.into(),
        cpe: String::new(),
    }
}

#[tokio::test]
async fn active_series_plus_forced() {
    let server = server().await;
    let ctx = context(config(&server));
    let names: Vec<String> = UbuntuSet
        .updaters(&ctx)
        .await
        .unwrap()
        .iter()
        .map(|u| u.name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "ubuntu/updater/noble",
            "ubuntu/updater/jammy",
            "ubuntu/updater/bionic"
        ],
        "active series, then forced ones; inactive warty is left out"
    );
}

#[tokio::test]
async fn real_bionic_oval_matches_the_oracle() {
    let server = server().await;
    let vulns = run(&server, "ubuntu/updater/bionic").await;
    let expected: BTreeSet<Vec<String>> = oracle("expected-ubuntu.tsv").into_iter().collect();
    let got: BTreeSet<Vec<String>> = vulns
        .iter()
        .map(|v| {
            vec![
                v.name.clone(),
                v.package.as_ref().unwrap().name.clone(),
                v.fixed_in_version.clone(),
                v.normalized_severity.clone(),
            ]
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        vulns.len(),
        4,
        "one record per binary package of each test's variable"
    );

    let tor = vulns
        .iter()
        .find(|v| v.package.as_ref().unwrap().name == "tor")
        .unwrap();
    assert_eq!(
        *tor,
        Vulnerability {
            name: "CVE-2016-8860 on Ubuntu 18.04 LTS (bionic) - medium.".into(),
            description: "Tor before 0.2.8.9 and 0.2.9.x before 0.2.9.4-alpha had internal functions that were entitled to expect that buf_t data had NUL termination, but the implementation of or/buffers.c did not ensure that NUL termination was present, which allows remote attackers to cause a denial of service (client, hidden service, relay, or authority crash) via crafted data.".into(),
            issued: "2017-01-04T20:59:00Z".into(),
            links: [
                "https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2016-8860",
                "http://people.canonical.com/~ubuntu-security/cve/2016/CVE-2016-8860.html",
                "https://trac.torproject.org/projects/tor/ticket/20384",
                "https://blog.torproject.org/blog/tor-0289-released-important-fixes",
                "https://github.com/torproject/tor/commit/3cea86eb2fbb65949673eb4ba8ebb695c87a57ce",
                "http://www.openwall.com/lists/oss-security/2016/10/18/11",
            ]
            .join(" "),
            severity: String::new(),
            normalized_severity: "Medium".into(),
            package: Some(binary("tor", "")),
            distribution: Some(ubuntu("18.04", "bionic")),
            fixed_in_version: "0.2.8.9-1ubuntu1".into(),
            ..Vulnerability::default()
        }
    );
}

#[tokio::test]
async fn current_generator_shape() {
    let server = server().await;
    let vulns = run(&server, "ubuntu/updater/jammy").await;
    let rows: BTreeSet<(String, String, String)> = vulns
        .iter()
        .map(|v| {
            (
                v.name.split(' ').next().unwrap().to_string(),
                v.package.as_ref().unwrap().name.clone(),
                v.fixed_in_version.clone(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String)> = [
        ("CVE-2022-37434", "lib32z1", "1:1.2.11.dfsg-2ubuntu9.1"),
        ("CVE-2022-37434", "zlib1g", "1:1.2.11.dfsg-2ubuntu9.1"),
        ("CVE-2022-37434", "zlib1g-dev", "1:1.2.11.dfsg-2ubuntu9.1"),
        ("CVE-2022-37434", "rsync", ""),
        (
            "CVE-2023-0001",
            "linux-firmware",
            "20220329.git681281e4-0ubuntu3.10",
        ),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
    .collect();
    assert_eq!(
        rows, want,
        "kmod (invalid version) and the undefined test are skipped"
    );
    assert_eq!(vulns.len(), 5);

    let zlib = vulns
        .iter()
        .find(|v| v.package.as_ref().unwrap().name == "zlib1g")
        .unwrap();
    assert_eq!(
        zlib.name,
        "CVE-2022-37434 on Ubuntu 22.04 LTS (jammy) - medium"
    );
    assert!(
        zlib.description
            .ends_with("(e.g., see the nodejs/node reference) & others.")
    );
    assert_eq!(zlib.issued, "2022-08-05T07:15:00Z");
    assert_eq!(
        zlib.links,
        "https://ubuntu.com/security/CVE-2022-37434 https://github.com/madler/zlib/issues/723 \
         https://github.com/madler/zlib/commit/eff308af425b67093bab25f80f1ae950166bece1",
        "references, bugs and refs, each once"
    );
    assert_eq!(zlib.normalized_severity, "Medium");
    assert_eq!(zlib.distribution, Some(ubuntu("22.04", "jammy")));
    assert_eq!(zlib.arch_op, "");

    let firmware = vulns
        .iter()
        .find(|v| v.package.as_ref().unwrap().name == "linux-firmware")
        .unwrap();
    assert_eq!(
        firmware.package,
        Some(binary("linux-firmware", "amd64|arm64"))
    );
    assert_eq!(firmware.arch_op, "pattern match");
    assert_eq!(firmware.normalized_severity, "Unknown", "Untriaged");
    assert_eq!(firmware.issued, "2023-02-07T00:00:00Z");
    assert_eq!(
        firmware.description,
        "A <crafted> input to the kernel module loader (hand-written sample)."
    );
}

#[tokio::test]
async fn second_fetch_with_the_fingerprint_is_unchanged() {
    let server = server().await;
    let ctx = context(config(&server));
    let bionic = updater(&ctx, "ubuntu/updater/bionic").await;
    let first = fetch_new(bionic.as_ref(), &ctx).await;
    let again = bionic.fetch(&ctx, Some(&first.fingerprint)).await.unwrap();
    assert!(matches!(again, Fetched::Unchanged));
    assert_eq!(server.hits(BIONIC), 2);
    assert_eq!(server.not_modified(BIONIC), 1);
}

async fn parse_error(server: &FeedServer, body: Vec<u8>) -> UpdaterError {
    server.set(BIONIC, Reply::file(body, "broken"));
    let ctx = context(config(server));
    let bionic = updater(&ctx, "ubuntu/updater/bionic").await;
    let download = fetch_new(bionic.as_ref(), &ctx).await;
    tokio::task::spawn_blocking(move || {
        bionic
            .parse(&download, &mut Collect::default())
            .unwrap_err()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn errors_name_the_url_or_file() {
    let server = server().await;
    let url = server.url(BIONIC);
    let compressed = sample("ubuntu/com.ubuntu.bionic.cve.oval.xml.bz2");
    let cases = [
        (
            b"<html><body>Bad gateway</body></html>".to_vec(),
            "not an OVAL file",
        ),
        (compressed[..compressed.len() / 2].to_vec(), "bzip2"),
        (
            b"<oval_definitions><definitions><definition id=\"x\"></oval_definitions>".to_vec(),
            "at byte",
        ),
    ];
    for (body, reason) in cases {
        let err = parse_error(&server, body).await;
        let text = err.to_string();
        assert!(matches!(err, UpdaterError::Parse { .. }), "{text}");
        assert!(text.contains(&url) && text.contains(reason), "{text}");
    }

    server.set(BIONIC, Reply::Status(500));
    let ctx = context(config(&server));
    let bionic = updater(&ctx, "ubuntu/updater/bionic").await;
    let err = bionic.fetch(&ctx, None).await.err().expect("500");
    assert!(
        matches!(err, UpdaterError::Status { status: 500, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&url), "{err}");

    server.set(SERIES, Reply::file(b"{\"oops\": true}".to_vec(), "bad"));
    let err = UbuntuSet
        .updaters(&ctx)
        .await
        .err()
        .expect("bad series list");
    assert!(err.to_string().contains(&server.url(SERIES)), "{err}");
}

#[tokio::test]
async fn no_network_fails_cleanly() {
    let series = refused_url(SERIES);
    let ctx = context(json!({"ubuntu": {"series_url": series}}));
    let err = UbuntuSet.updaters(&ctx).await.err().expect("refused");
    let text = err.to_string();
    assert!(matches!(err, UpdaterError::Fetch { .. }), "{text}");
    assert!(
        text.contains(&series) && text.to_lowercase().contains("refused"),
        "{text}"
    );

    let server = server().await;
    let oval = refused_url("/oval/");
    let ctx = context(json!({"ubuntu": {"url": oval, "series_url": server.url(SERIES)}}));
    let jammy = updater(&ctx, "ubuntu/updater/jammy").await;
    let err = jammy.fetch(&ctx, None).await.err().expect("refused");
    assert!(
        err.to_string()
            .contains("com.ubuntu.jammy.cve.oval.xml.bz2"),
        "{err}"
    );
}
