//! `scry scan` on real images: the report must list exactly what the distributions' own
//! tools say is installed.

mod common;

use std::collections::BTreeSet;

use common::*;

fn dpkg_expected(path: &std::path::Path) -> BTreeSet<(String, String, String, String, String)> {
    tsv(path)
        .into_iter()
        .map(|r| {
            (
                r[0].clone(),
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
            )
        })
        .collect()
}

fn dpkg_found(
    report: &scry_model::IndexReport,
) -> BTreeSet<(String, String, String, String, String)> {
    report
        .packages
        .values()
        .filter(|p| report.environments[&p.id][0].package_db == "var/lib/dpkg/status")
        .map(|p| {
            let source = p
                .source
                .as_ref()
                .expect("every dpkg package has its source filled");
            (
                p.name.clone(),
                p.version.clone(),
                source.name.clone(),
                source.version.clone(),
                p.arch.clone(),
            )
        })
        .collect()
}

#[test]
fn debootstrap_bookworm_matches_dpkg_query() {
    let dir = fixtures().join("bookworm");
    let report = scan(&dir.join("oci"), &[]);
    assert_eq!(
        dpkg_found(&report),
        dpkg_expected(&dir.join("expected-dpkg.tsv"))
    );
    assert_environments(&report);

    assert_eq!(report.distributions.len(), 1, "{:?}", report.distributions);
    let dist = report.distributions.values().next().unwrap();
    assert_eq!(
        (
            dist.did.as_str(),
            dist.version_id.as_str(),
            dist.version_code_name.as_str()
        ),
        ("debian", "12", "bookworm")
    );
    assert_eq!(dist.pretty_name, "Debian GNU/Linux 12 (bookworm)");
    for envs in report.environments.values() {
        assert_eq!(
            envs[0].distribution_id, dist.id,
            "every package is tied to Debian 12"
        );
    }
}

#[test]
fn every_image_format_gives_the_same_packages() {
    let dir = fixtures().join("bookworm");
    let expected = dpkg_expected(&dir.join("expected-dpkg.tsv"));
    for image in [
        "oci-zstd",
        "docker-archive.tar",
        "layer.tar",
        "layer.tar.gz",
        "layer.tar.zst",
    ] {
        let report = scan(&dir.join(image), &[]);
        assert_eq!(dpkg_found(&report), expected, "{image}");
        assert_eq!(
            report.distributions.values().next().map(|d| d.did.as_str()),
            Some("debian"),
            "{image}"
        );
    }
}

#[test]
fn upper_layers_win_whiteouts_remove_python_packages_and_dpkg_is_rewritten() {
    let dir = fixtures().join("multilayer");
    let report = scan(&dir.join("oci"), &[]);
    assert_environments(&report);
    assert_eq!(
        dpkg_found(&report),
        dpkg_expected(&dir.join("expected-dpkg.tsv"))
    );
    let names: BTreeSet<_> = report.packages.values().map(|p| p.name.as_str()).collect();
    assert!(names.contains("hello"), "installed by the top layer");
    assert!(!names.contains("tzdata"), "purged by the top layer");

    let python: BTreeSet<(String, String)> = tsv(&dir.join("expected-python.tsv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(packages_in(&report, "python:"), python);
    assert!(
        !names.contains("urllib3"),
        "deleted by a whiteout in the top layer"
    );

    let layers: Vec<String> = report
        .environments
        .values()
        .flatten()
        .map(|env| env.introduced_in.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        layers.len() >= 2,
        "packages come from more than one layer: {layers:?}"
    );
    let pypi: Vec<_> = report
        .repository
        .values()
        .filter(|r| r.name == "pypi")
        .collect();
    assert_eq!(pypi.len(), 1, "{:?}", report.repository);
    for package in report
        .packages
        .values()
        .filter(|p| python.contains(&(p.name.clone(), p.version.clone())))
    {
        assert_eq!(
            report.environments[&package.id][0].repository_ids,
            vec![pypi[0].id.clone()]
        );
    }
}

fn rpm_expected(path: &std::path::Path) -> BTreeSet<(String, String, String, String)> {
    tsv(path)
        .into_iter()
        .filter(|r| r[0] != "gpg-pubkey")
        .map(|r| {
            let version = if r[1] == "0" || r[1] == "(none)" {
                format!("{}-{}", r[2], r[3])
            } else {
                format!("{}:{}-{}", r[1], r[2], r[3])
            };
            (r[0].clone(), version, r[4].clone(), r[5].clone())
        })
        .collect()
}

fn rpm_found(report: &scry_model::IndexReport) -> BTreeSet<(String, String, String, String)> {
    report
        .packages
        .values()
        .map(|p| {
            let source = p
                .source
                .as_ref()
                .expect("rpm packages carry their source rpm");
            let srpm = format!("{}-{}.src.rpm", source.name, source.version);
            (p.name.clone(), p.version.clone(), p.arch.clone(), srpm)
        })
        .collect()
}

#[test]
fn rpm_sqlite_database_matches_rpm_qa() {
    let dir = fixtures().join("rpm");
    let report = scan(&dir.join("layer.tar.gz"), &[]);
    assert_environments(&report);
    assert_eq!(
        rpm_found(&report),
        rpm_expected(&dir.join("expected-rpm.tsv"))
    );
    let db = &report.environments.values().next().unwrap()[0].package_db;
    assert_eq!(db, "sqlite:var/lib/rpm");
    let dist = report
        .distributions
        .values()
        .next()
        .expect("the UBI 9 os-release is found through its symlink");
    assert_eq!((dist.did.as_str(), dist.version_id.as_str()), ("rhel", "9"));
}

#[test]
fn real_berkeley_db_rpm_databases_match_rpm_qa() {
    let bdb = fixtures().join("rpm/bdb");
    let mut checked = 0;
    for entry in std::fs::read_dir(&bdb).unwrap() {
        let dir = entry.unwrap().path();
        let report = scan(&dir.join("layer.tar.gz"), &[]);
        assert_eq!(
            rpm_found(&report),
            rpm_expected(&dir.join("expected-rpm.tsv")),
            "{}",
            dir.display()
        );
        assert!(
            report
                .environments
                .values()
                .all(|e| e[0].package_db == "bdb:var/lib/rpm")
        );
        let labels = dir.join("expected-modularitylabel.tsv");
        if labels.exists() {
            for row in tsv(&labels) {
                let stream: Vec<&str> = row[1].split(':').take(2).collect();
                let package = report
                    .packages
                    .values()
                    .find(|p| p.name == row[0])
                    .expect("labelled package");
                assert_eq!(package.module, stream.join(":"), "{}", row[0]);
            }
        }
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} BerkeleyDB databases");
}

#[test]
fn alpine_installed_database() {
    let dir = fixtures().join("alpine");
    let report = scan(&dir.join("layer.tar.gz"), &[]);
    let expected: BTreeSet<_> = tsv(&dir.join("expected-apk.tsv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    let found: BTreeSet<_> = report
        .packages
        .values()
        .map(|p| {
            let origin = p
                .source
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            (p.name.clone(), p.version.clone(), p.arch.clone(), origin)
        })
        .collect();
    assert_eq!(found, expected);
    let dist = report
        .distributions
        .values()
        .next()
        .expect("Alpine is detected");
    assert_eq!(
        (dist.did.as_str(), dist.version.as_str()),
        ("alpine", "3.18")
    );
}
