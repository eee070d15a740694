//! Every first-party matcher, loaded from its embedded component, judging real-looking
//! records; and a rogue matcher held to the same deadline, memory cap and output
//! contract as scanners.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use scry_model::{Distribution, Package, Repository, SourcePackage, Vulnerability};
use scry_runtime::matcher::{Candidate, IndexRecord, MatchConstraint};
use scry_runtime::{
    MatcherPlugin, PluginError, PluginFailure, PluginLimits, Runtime, RuntimeConfig,
};

fn runtime(limits: PluginLimits) -> Runtime {
    Runtime::new(RuntimeConfig {
        limits,
        cache_dir: None,
        max_instances: 16,
        ..RuntimeConfig::default()
    })
    .expect("runtime")
}

/// Every first-party matcher by info name, loaded once for the whole file.
fn matchers() -> &'static BTreeMap<String, MatcherPlugin> {
    static LOADED: OnceLock<BTreeMap<String, MatcherPlugin>> = OnceLock::new();
    LOADED.get_or_init(|| {
        let runtime = runtime(PluginLimits::default());
        scry_bundled::FIRST_PARTY_MATCHERS
            .iter()
            .map(|bundled| {
                let plugin = MatcherPlugin::load(&runtime, bundled.name, bundled.wasm)
                    .unwrap_or_else(|e| panic!("{} loads: {e}", bundled.name));
                (plugin.name().to_owned(), plugin)
            })
            .collect()
    })
}

fn matcher(name: &str) -> &'static MatcherPlugin {
    matchers()
        .get(name)
        .unwrap_or_else(|| panic!("no first-party matcher {name}"))
}

fn package(name: &str, version: &str) -> Package {
    Package {
        id: "1".into(),
        name: name.into(),
        version: version.into(),
        kind: "binary".into(),
        source: None,
        normalized_version: String::new(),
        module: String::new(),
        arch: String::new(),
        cpe: String::new(),
    }
}

fn distribution(did: &str, name: &str, version_id: &str) -> Distribution {
    Distribution {
        id: "1".into(),
        did: did.into(),
        name: name.into(),
        version_id: version_id.into(),
        ..Distribution::default()
    }
}

fn repository(name: &str, key: &str, uri: &str, cpe: &str) -> Repository {
    Repository {
        id: "1".into(),
        name: name.into(),
        key: key.into(),
        uri: uri.into(),
        cpe: cpe.into(),
    }
}

fn vulnerability(name: &str, fixed: &str) -> Vulnerability {
    Vulnerability {
        id: "7".into(),
        name: name.into(),
        description: "long text the matcher never needs".into(),
        fixed_in_version: fixed.into(),
        ..Vulnerability::default()
    }
}

/// Each vulnerability judged against `records[0]`.
fn verdicts(
    plugin: &MatcherPlugin,
    record: IndexRecord,
    vulnerabilities: Vec<Vulnerability>,
) -> Result<Vec<bool>, PluginError> {
    let candidates: Vec<Candidate> = vulnerabilities
        .into_iter()
        .map(|vulnerability| Candidate {
            record: 0,
            vulnerability,
        })
        .collect();
    plugin.vulnerable(&[record], &candidates)
}

fn fixed_versions(versions: &[&str]) -> Vec<Vulnerability> {
    versions
        .iter()
        .map(|v| vulnerability("CVE-2024-0001", v))
        .collect()
}

fn bookworm_libssl(version: &str) -> IndexRecord {
    let mut libssl = package("libssl3", version);
    libssl.source = Some(SourcePackage {
        id: "2".into(),
        name: "openssl".into(),
        version: version.into(),
        kind: "source".into(),
        normalized_version: String::new(),
        cpe: String::new(),
    });
    IndexRecord {
        package: libssl,
        distribution: Some(distribution("debian", "Debian GNU/Linux", "12")),
        repository: None,
    }
}

#[test]
fn every_matcher_loads_with_clairs_name() {
    let names: Vec<&str> = matchers().keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "alpine-matcher",
            "debian-matcher",
            "gobin",
            "java-maven",
            "nodejs",
            "python",
            "rhel",
            "ruby-gem",
            "ubuntu-matcher"
        ]
    );
    for plugin in matchers().values() {
        // rhel 2: also judges RHEL images' rpms, which carry no content set.
        // alpine-matcher 2: apk versions ordered as apk-tools 3.
        let version = match plugin.name() {
            "rhel" | "alpine-matcher" => "2",
            _ => "1",
        };
        assert_eq!(plugin.info(), (plugin.name(), version));
        assert!(plugin.query().contains(&MatchConstraint::PackageName));
    }
    use MatchConstraint::*;
    assert_eq!(
        matcher("debian-matcher").query(),
        [
            PackageName,
            SourceName,
            DistributionDid,
            DistributionName,
            DistributionVersionId
        ]
    );
    assert_eq!(
        matcher("rhel").query(),
        [PackageName, SourceName, PackageModule]
    );
    assert_eq!(matcher("python").query(), [PackageName, RepositoryName]);
}

#[test]
fn debian_bookworm_source_package() {
    let debian = matcher("debian-matcher");
    let mut ubuntu = bookworm_libssl("3.0.11-1~deb12u2");
    ubuntu.distribution = Some(distribution("ubuntu", "Ubuntu", "22.04"));
    let flags = debian
        .filter(&[bookworm_libssl("3.0.11-1~deb12u2"), ubuntu])
        .unwrap();
    assert_eq!(flags, [true, false]);

    let found = verdicts(
        debian,
        bookworm_libssl("3.0.11-1~deb12u2"),
        fixed_versions(&[
            "3.0.13-1~deb12u1",
            "3.0.11-1~deb12u1",
            "3.0.11-1~deb12u2",
            "",
            "0",
        ]),
    )
    .unwrap();
    assert_eq!(found, [true, false, false, true, false]);
}

#[test]
fn bad_version_fails_the_call_naming_plugin_and_version() {
    let err = verdicts(
        matcher("debian-matcher"),
        bookworm_libssl("3.0.11-1~deb12u2"),
        fixed_versions(&["1.0", "3.0 with spaces"]),
    )
    .unwrap_err();
    assert_eq!(err.plugin, "debian-matcher");
    let PluginFailure::BadVersion {
        subject, version, ..
    } = &err.failure
    else {
        panic!("expected a bad-version failure, got {err}");
    };
    assert_eq!(version, "3.0 with spaces");
    assert_eq!(subject, "vulnerability CVE-2024-0001");
    assert!(err.to_string().contains("\"3.0 with spaces\""), "{err}");
}

#[test]
fn ubuntu_and_alpine() {
    let jammy = IndexRecord {
        package: package("openssl", "3.0.2-0ubuntu1.10"),
        distribution: Some(distribution("ubuntu", "Ubuntu", "22.04")),
        repository: None,
    };
    let found = verdicts(
        matcher("ubuntu-matcher"),
        jammy,
        fixed_versions(&["3.0.2-0ubuntu1.12", "3.0.2-0ubuntu1.9", "0"]),
    );
    assert_eq!(found.unwrap(), [true, false, true]);

    let alpine = IndexRecord {
        package: package("musl", "1.2.4-r1"),
        distribution: Some(distribution("alpine", "Alpine Linux", "3.18.4")),
        repository: None,
    };
    assert_eq!(
        matcher("alpine-matcher")
            .filter(std::slice::from_ref(&alpine))
            .unwrap(),
        [true]
    );
    let found = verdicts(
        matcher("alpine-matcher"),
        alpine,
        fixed_versions(&["1.2.4-r2", "1.2.4_rc1-r0", "0", "", "bad!"]),
    );
    assert_eq!(found.unwrap(), [true, false, false, true, false]);
}

#[test]
fn rhel_evr_arch_and_cpe() {
    let baseos = "cpe:/o:redhat:enterprise_linux:9::baseos";
    let mut openssl = package("openssl-libs", "1:3.0.7-24.el9");
    openssl.arch = "x86_64".into();
    let record = IndexRecord {
        package: openssl,
        distribution: None,
        repository: Some(repository(baseos, "rhel-cpe-repository", "", baseos)),
    };
    let advisory = |product: &str, fixed: &str, arch: &str, op: &str| {
        let mut v = vulnerability("CVE-2024-0727", fixed);
        let mut affected = package("openssl-libs", "");
        affected.arch = arch.into();
        v.package = Some(affected);
        v.repository = Some(repository(product, "rhel-cpe-repository", "", ""));
        v.arch_op = op.into();
        v
    };
    let el9 = "cpe:/o:redhat:enterprise_linux:9";
    let found = verdicts(
        matcher("rhel"),
        record.clone(),
        vec![
            advisory(el9, "1:3.0.7-25.el9_3", "", ""),
            advisory(el9, "1:3.0.7-24.el9", "", ""),
            advisory(
                "cpe:/o:redhat:enterprise_linux:8",
                "1:3.0.7-25.el9_3",
                "",
                "",
            ),
            advisory(el9, "1:3.0.7-25.el9_3", "aarch64|x86_64", "pattern match"),
            advisory(el9, "1:3.0.7-25.el9_3", "s390x|ppc64le", "pattern match"),
            advisory(el9, "1:3.0.7-25.el9_3", "x86_64", "equals"),
            advisory(el9, "1:3.0.7-25.el9_3", "x86_64", "not equals"),
        ],
    );
    assert_eq!(
        found.unwrap(),
        [true, false, false, true, false, true, false]
    );
    let mut unkeyed = record;
    unkeyed.repository = None;
    assert_eq!(matcher("rhel").filter(&[unkeyed]).unwrap(), [false]);
}

#[test]
fn rhel_image_without_content_sets_by_distribution_cpe() {
    let mut openssl = package("openssl-libs", "1:3.0.7-16.el9_2");
    openssl.arch = "x86_64".into();
    // What the os-release scanner reports for a RHEL 9 image's etc/redhat-release.
    let mut rhel9 = distribution("rhel", "Red Hat Enterprise Linux Server", "9");
    rhel9.cpe = "cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*".into();
    let record = IndexRecord {
        package: openssl,
        distribution: Some(rhel9),
        repository: None,
    };
    let mut pypi = record.clone();
    pypi.repository = Some(repository("pypi", "", "https://pypi.org/simple", ""));
    assert_eq!(
        matcher("rhel").filter(&[record.clone(), pypi]).unwrap(),
        [true, false]
    );
    let advisory = |product: &str, key: &str, fixed: &str| {
        let mut v = vulnerability("CVE-2023-0286", fixed);
        v.package = Some(package("openssl-libs", ""));
        v.repository = Some(repository(product, key, "", product));
        v
    };
    let key = "rhel-cpe-repository";
    let found = verdicts(
        matcher("rhel"),
        record,
        vec![
            advisory(
                "cpe:/o:redhat:enterprise_linux:9::baseos",
                key,
                "1:3.0.7-17.el9_2",
            ),
            advisory(
                "cpe:/a:redhat:enterprise_linux:9::appstream",
                key,
                "1:3.0.7-17.el9_2",
            ),
            advisory(
                "cpe:/o:redhat:enterprise_linux:9::baseos",
                key,
                "1:3.0.7-16.el9_2",
            ),
            advisory(
                "cpe:/o:redhat:enterprise_linux:8::baseos",
                key,
                "1:3.0.7-17.el9_2",
            ),
            advisory("cpe:/o:redhat:enterprise_linux:9::baseos", key, ""),
            // Not Red Hat's: another feed naming the same package.
            advisory(
                "cpe:/o:redhat:enterprise_linux:9::baseos",
                "",
                "1:3.0.7-17.el9_2",
            ),
        ],
    );
    assert_eq!(found.unwrap(), [true, true, false, false, true, false]);
}

fn language_record(name: &str, version: &str, repo: &str, uri: &str) -> IndexRecord {
    IndexRecord {
        package: package(name, version),
        distribution: None,
        repository: Some(repository(repo, "", uri, "")),
    }
}

#[test]
fn python_osv_query_strings() {
    let python = matcher("python");
    let requests = language_record("requests", "2.30.0", "pypi", "https://pypi.org/simple");
    let dpkg = bookworm_libssl("1.0-1");
    assert_eq!(
        python.filter(&[requests.clone(), dpkg]).unwrap(),
        [true, false]
    );
    let found = verdicts(
        python,
        requests,
        fixed_versions(&[
            "introduced=2.3.0&fixed=2.31.0",
            "introduced=2.3.0&fixed=2.30.0",
            "introduced=2.31.0",
            "lastAffected=2.30.0",
            "introduced=0&lastAffected=2.29.9",
            "",
        ]),
    );
    assert_eq!(found.unwrap(), [true, false, false, true, false, true]);

    let bad = language_record("requests", "not.pep-440!", "pypi", "");
    let err = verdicts(python, bad, fixed_versions(&["fixed=1"])).unwrap_err();
    assert_eq!(err.plugin, "python");
    assert!(err.to_string().contains("not.pep-440!"), "{err}");
}

#[test]
fn maven_rubygems_go_npm() {
    let cases: [(&str, IndexRecord, &str, bool); 8] = [
        (
            "java-maven",
            language_record("log4j-core", "2.14.1", "maven", ""),
            "introduced=2.0-beta9&fixed=2.15.0",
            true,
        ),
        (
            "java-maven",
            language_record("log4j-core", "2.15.0", "maven", ""),
            "introduced=2.0-beta9&fixed=2.15.0",
            false,
        ),
        (
            "ruby-gem",
            language_record("rack", "3.0.9", "rubygems", ""),
            "introduced=3.0.0&fixed=3.0.9.1",
            true,
        ),
        (
            "ruby-gem",
            language_record("rack", "3.0.0.beta1", "rubygems", ""),
            "introduced=3.0.0&fixed=3.0.9.1",
            false,
        ),
        (
            "gobin",
            language_record("golang.org/x/net", "v0.22.0", "go", "https://pkg.go.dev/"),
            "introduced=0&fixed=0.23.0",
            true,
        ),
        (
            "gobin",
            language_record("golang.org/x/net", "v0.23.0", "go", "https://pkg.go.dev/"),
            "introduced=0&fixed=0.23.0",
            false,
        ),
        (
            "nodejs",
            language_record("lodash", "4.17.20", "npm", ""),
            "introduced=0&fixed=4.17.21",
            true,
        ),
        (
            "nodejs",
            language_record("lodash", "4.17.21", "npm", ""),
            "introduced=0&fixed=4.17.21",
            false,
        ),
    ];
    for (name, record, bounds, want) in cases {
        let plugin = matcher(name);
        assert_eq!(
            plugin.filter(std::slice::from_ref(&record)).unwrap(),
            [true],
            "{name} filter"
        );
        let got = verdicts(plugin, record, fixed_versions(&[bounds])).unwrap();
        assert_eq!(got, [want], "{name} {bounds}");
    }
    // A record belongs to one ecosystem only.
    let npm = language_record("lodash", "4.17.20", "npm", "");
    for name in ["java-maven", "ruby-gem", "gobin", "python"] {
        assert_eq!(
            matcher(name).filter(std::slice::from_ref(&npm)).unwrap(),
            [false],
            "{name}"
        );
    }
}

#[test]
fn a_candidate_past_the_records_is_refused() {
    let candidate = Candidate {
        record: 1,
        vulnerability: vulnerability("CVE-1", "1"),
    };
    let err = matcher("debian-matcher")
        .vulnerable(&[bookworm_libssl("1.0-1")], &[candidate])
        .unwrap_err();
    assert!(
        matches!(err.failure, PluginFailure::MatchFailed(_)),
        "{err}"
    );
}

/// Per-call cost of a typical matcher round: filter over a report's records, then
/// vulnerable over its candidates, as the matcher service does per request.
#[test]
fn per_call_cost() {
    let debian = matcher("debian-matcher");
    let records: Vec<IndexRecord> = (0..200)
        .map(|i| bookworm_libssl(&format!("3.0.{i}-1~deb12u1")))
        .collect();
    let candidates: Vec<Candidate> = (0..20)
        .map(|i| Candidate {
            record: i * 10,
            vulnerability: vulnerability("CVE-2024-0001", "3.0.100-1"),
        })
        .collect();
    let round = || {
        debian.filter(&records).unwrap();
        debian.vulnerable(&records, &candidates).unwrap();
    };
    round(); // warm up
    let rounds = 300;
    let started = Instant::now();
    for _ in 0..rounds {
        round();
    }
    let per_round = started.elapsed() / rounds;

    let tiny = [bookworm_libssl("1.0-1")];
    let started = Instant::now();
    for _ in 0..rounds {
        debian.filter(&tiny).unwrap();
    }
    let per_empty_call = started.elapsed() / rounds;
    eprintln!(
        "matcher per-call cost: filter(1 record) {per_empty_call:?}; \
         filter(200 records) + vulnerable(200 records, 20 candidates) {per_round:?}"
    );
    assert!(
        per_empty_call < Duration::from_millis(5),
        "{per_empty_call:?}"
    );
}

// The rogue matcher (plugins/hostile/matcher-rogue).

fn rogue(limits: PluginLimits) -> MatcherPlugin {
    let (_, path) = scry_bundled::HOSTILE
        .iter()
        .find(|(short, _)| *short == "matcher-rogue")
        .expect("the rogue matcher was built");
    let wasm = std::fs::read(path).expect("reading the rogue matcher");
    MatcherPlugin::load(&runtime(limits), "matcher-rogue", &wasm).expect("the rogue loads")
}

fn provoke(plugin: &MatcherPlugin, misdeed: &str) -> PluginError {
    verdicts(
        plugin,
        bookworm_libssl("1.0-1"),
        vec![vulnerability(misdeed, "")],
    )
    .expect_err("the rogue misbehaves")
}

#[test]
fn rogue_matcher_is_held_to_deadline_memory_and_contract() {
    let limits = PluginLimits {
        match_deadline: Duration::from_millis(300),
        memory_bytes: 64 << 20,
        ..PluginLimits::default()
    };
    let plugin = rogue(limits);

    let started = Instant::now();
    let err = provoke(&plugin, "spin");
    assert!(matches!(err.failure, PluginFailure::Deadline(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.plugin, "hostile-matcher");

    let err = provoke(&plugin, "bomb");
    assert!(matches!(err.failure, PluginFailure::Memory { .. }), "{err}");

    let err = provoke(&plugin, "trap");
    assert!(matches!(err.failure, PluginFailure::Trap(_)), "{err}");

    let err = provoke(&plugin, "short");
    assert!(matches!(err.failure, PluginFailure::Garbage(_)), "{err}");
    assert!(err.to_string().contains("hostile-matcher"), "{err}");

    let mut short = bookworm_libssl("1.0-1");
    short.package.name = "short".into();
    let err = plugin.filter(&[short]).unwrap_err();
    assert!(matches!(err.failure, PluginFailure::Garbage(_)), "{err}");

    // Each call has its own store: after all that, an honest call still works.
    assert_eq!(
        verdicts(
            &plugin,
            bookworm_libssl("1.0-1"),
            vec![vulnerability("ok", "")]
        )
        .unwrap(),
        [true]
    );
}
