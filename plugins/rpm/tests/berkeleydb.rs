//! The scanner against real CentOS 5-8 BerkeleyDB `Packages` files, with the real `rpm`
//! (its read-only BerkeleyDB backend) as the oracle: the full package sets must match.

mod common;

use common::{Row, assert_same, bdb_copy, go_rpmdb_packages, rows, rpm_says, scan};

fn check(name: &str) {
    let copy = bdb_copy(name);
    let (want, keys) = rpm_says(None, copy.path(), "bdb_ro");
    assert!(!want.is_empty(), "rpm lists no packages in {name}");
    let bytes = std::fs::read(go_rpmdb_packages(name)).unwrap();
    let packages = scan("var/lib/rpm/Packages", bytes).unwrap();
    let got = rows(&packages, "bdb:var/lib/rpm");
    assert_same(name, &got, &want);
    println!(
        "{name}: {} packages matched rpm ({keys} gpg-pubkey skipped)",
        got.len()
    );
}

macro_rules! databases {
    ($($test:ident => $name:literal,)*) => {
        $(#[test] fn $test() { check($name) })*

        #[test]
        fn every_go_rpmdb_database_is_tested() {
            assert_eq!([$($name),*], common::GO_RPMDB_DATABASES);
        }
    };
}

databases! {
    centos5_plain => "centos5-plain",
    centos6_plain => "centos6-plain",
    centos6_many => "centos6-many",
    centos6_devtools => "centos6-devtools",
    centos7_plain => "centos7-plain",
    centos7_many => "centos7-many",
    centos7_devtools => "centos7-devtools",
    centos7_httpd24 => "centos7-httpd24",
    centos7_python35 => "centos7-python35",
    centos8_modularitylabel => "centos8-modularitylabel",
}

#[test]
fn modularity_labels_are_cut_to_name_and_stream() {
    let bytes = std::fs::read(go_rpmdb_packages("centos8-modularitylabel")).unwrap();
    let packages = scan("var/lib/rpm/Packages", bytes).unwrap();
    let nodejs: Vec<Row> = packages
        .iter()
        .filter(|p| p.name == "nodejs")
        .map(Row::of)
        .collect();
    assert_eq!(nodejs.len(), 1, "{nodejs:?}");
    assert_eq!(nodejs[0].module, "nodejs:10");
    assert!(
        nodejs[0].version.starts_with("1:10.21.0-3.module_el8"),
        "{nodejs:?}"
    );
    assert!(packages.iter().all(|p| p.name != "gpg-pubkey"));
}
