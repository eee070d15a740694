//! Shared by the test binaries: the two-backend test macro and small fixtures.
#![allow(dead_code)] // each test binary uses part of it

use std::collections::BTreeMap;

use scry_model::{
    Distribution, Environment, FoundPackage, IndexReport, Package, Repository, ScannerId,
    ScannerKind, SourcePackage,
};

/// For each `name`, an `async fn name(db: &TestDb)` runs as `name::sqlite` and
/// `name::postgres`, each on a fresh database.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = scry_store::testing::TestDb::sqlite();
                super::$name(&db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let db = scry_store::testing::TestDb::postgres().await;
                super::$name(&db).await;
            }
        }
    )*};
}

pub fn layer(n: u32) -> String {
    format!("sha256:{n:064x}")
}

pub fn manifest(n: u32) -> String {
    format!("sha256:{:064x}", 0xabc0_0000_u64 + u64::from(n))
}

pub fn scanner(name: &str, version: &str, kind: ScannerKind) -> ScannerId {
    ScannerId {
        name: name.into(),
        version: version.into(),
        kind,
    }
}

pub fn found(name: &str, version: &str) -> FoundPackage {
    FoundPackage {
        name: name.into(),
        version: version.into(),
        kind: "binary".into(),
        source: Some((format!("{name}-src"), version.into())),
        arch: "amd64".into(),
        module: String::new(),
        cpe: String::new(),
        normalized_version: String::new(),
        package_db: "var/lib/dpkg/status".into(),
        file_path: String::new(),
        repository_hint: String::new(),
    }
}

pub fn debian(id: &str) -> Distribution {
    Distribution {
        id: id.into(),
        did: "debian".into(),
        name: "Debian GNU/Linux".into(),
        version: "12 (bookworm)".into(),
        version_code_name: "bookworm".into(),
        version_id: "12".into(),
        arch: String::new(),
        cpe: String::new(),
        pretty_name: "Debian GNU/Linux 12 (bookworm)".into(),
    }
}

pub fn pypi(id: &str) -> Repository {
    Repository {
        id: id.into(),
        name: "pypi".into(),
        key: String::new(),
        uri: "https://pypi.org/simple".into(),
        cpe: String::new(),
    }
}

pub fn package(id: &str, name: &str, version: &str, source: Option<&str>) -> Package {
    Package {
        id: id.into(),
        name: name.into(),
        version: version.into(),
        kind: "binary".into(),
        source: source.map(|source| SourcePackage {
            id: format!("{id}-src"),
            name: source.into(),
            version: version.into(),
            kind: "source".into(),
            normalized_version: String::new(),
            cpe: String::new(),
        }),
        normalized_version: String::new(),
        module: String::new(),
        arch: "amd64".into(),
        cpe: String::new(),
    }
}

pub fn environment(package_db: &str, dist: &str, repos: &[&str]) -> Environment {
    Environment {
        package_db: package_db.into(),
        introduced_in: layer(1),
        distribution_id: dist.into(),
        repository_ids: repos.iter().map(|id| id.to_string()).collect(),
    }
}

/// A finished report of Debian packages `(name, version, source)`.
pub fn debian_report(manifest: &str, packages: &[(&str, &str, Option<&str>)]) -> IndexReport {
    let mut report = IndexReport {
        manifest_hash: manifest.into(),
        state: IndexReport::FINISHED.into(),
        packages: BTreeMap::new(),
        distributions: BTreeMap::from([("1".to_string(), debian("1"))]),
        repository: BTreeMap::new(),
        environments: BTreeMap::new(),
        success: true,
        err: String::new(),
        scry_scanners: Vec::new(),
    };
    for (n, (name, version, source)) in packages.iter().enumerate() {
        let id = (n + 1).to_string();
        report
            .packages
            .insert(id.clone(), package(&id, name, version, *source));
        report
            .environments
            .insert(id, vec![environment("var/lib/dpkg/status", "1", &[])]);
    }
    report
}
