//! The scanner against real `rpmdb.sqlite` files, made at test time by the real rpm:
//! CentOS BerkeleyDB databases converted with `rpmdb --exportdb | --importdb`, and
//! packages built with `rpmbuild` and installed into a fresh root. rpm's own `-qa` on
//! the same database is the oracle.

mod common;

use std::path::Path;
use std::process::Command;

use common::{
    GO_RPMDB_DATABASES, TempDir, assert_same, bdb_copy, bdb_to_sqlite, require_tool, rows,
    rpm_says, run, scan,
};

/// Converts a go-rpmdb database to SQLite and compares the scanner with rpm on it.
fn check_converted(name: &str) {
    let bdb = bdb_copy(name);
    let sqlite = TempDir::new("sqlite");
    bdb_to_sqlite(bdb.path(), sqlite.path());
    let (want, keys) = rpm_says(None, sqlite.path(), "sqlite");
    assert!(
        !want.is_empty(),
        "rpm lists no packages in the converted {name}"
    );
    let bytes = std::fs::read(sqlite.path().join("rpmdb.sqlite")).unwrap();
    let packages = scan("usr/lib/sysimage/rpm/rpmdb.sqlite", bytes).unwrap();
    let got = rows(&packages, "sqlite:usr/lib/sysimage/rpm");
    assert_same(name, &got, &want);
    println!(
        "{name} as sqlite: {} packages matched rpm ({keys} gpg-pubkey skipped)",
        got.len()
    );
}

#[test]
fn converted_go_rpmdb_databases() {
    for name in GO_RPMDB_DATABASES {
        check_converted(name);
    }
}

/// Spec files for tiny packages that cover what the header mapping must get right.
const SPECS: [(&str, &str); 4] = [
    ("scry-epoch", "Version: 1.2.3\nRelease: 4.el9\nEpoch: 7\n"),
    (
        "scry-noarch",
        "Version: 0.9\nRelease: 1\nBuildArch: noarch\n",
    ),
    (
        "scry-modular",
        "Version: 2.1\nRelease: 3.module_el9\nModularityLabel: scrystream:2.1:9020020240101:abcd1234\n",
    ),
    // A header larger than a page, so its row spills onto overflow pages.
    (
        "scry-multi-dash-big",
        "Version: 10\nRelease: 0.1.rc2\nEpoch: 0\n",
    ),
];

/// Builds the packages of [`SPECS`] with rpmbuild, returning the `.rpm` files.
fn build_packages(top: &Path) -> Vec<std::path::PathBuf> {
    require_tool("rpmbuild");
    let mut rpms = Vec::new();
    for (name, fields) in SPECS {
        let description = if name.ends_with("-big") {
            "A package with a long description.\n".repeat(600)
        } else {
            "A tiny test package.\n".to_string()
        };
        let spec = top.join(format!("{name}.spec"));
        std::fs::write(
            &spec,
            format!(
                "Name: {name}\n{fields}Summary: Scry test package\nLicense: MIT\n\
                 %description\n{description}\n%files\n"
            ),
        )
        .unwrap();
        run(Command::new("rpmbuild")
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg("-bb")
            .arg(&spec));
    }
    for arch in std::fs::read_dir(top.join("RPMS")).unwrap() {
        for rpm in std::fs::read_dir(arch.unwrap().path()).unwrap() {
            rpms.push(rpm.unwrap().path());
        }
    }
    assert_eq!(rpms.len(), SPECS.len(), "{rpms:?}");
    rpms
}

#[test]
fn rpmbuild_packages_installed_into_a_fresh_root() {
    let top = TempDir::new("rpmbuild");
    let rpms = build_packages(top.path());
    let root = TempDir::new("root");
    let rpm = |args: &[&str]| {
        let mut command = Command::new("rpm");
        command
            .arg("--root")
            .arg(root.path())
            .args(["--dbpath", "/var/lib/rpm", "--define", "_db_backend sqlite"])
            .args(args);
        command
    };
    run(&mut rpm(&["--initdb"]));
    run(rpm(&["-i", "--nodeps", "--noscripts", "--ignorearch"]).args(&rpms));

    let (want, _) = rpm_says(Some(root.path()), Path::new("/var/lib/rpm"), "sqlite");
    assert_eq!(want.len(), SPECS.len(), "{want:#?}");
    let bytes = std::fs::read(root.path().join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    let packages = scan("var/lib/rpm/rpmdb.sqlite", bytes).unwrap();
    let got = rows(&packages, "sqlite:var/lib/rpm");
    assert_same("rpmbuild packages", &got, &want);

    // The same facts, stated by hand, so a shared mistake in the oracle's mapping
    // cannot hide one in the scanner.
    let find = |name: &str| got.iter().find(|row| row.name == name).unwrap();
    assert_eq!(find("scry-epoch").version, "7:1.2.3-4.el9");
    assert_eq!(find("scry-noarch").arch, "noarch");
    assert_eq!(find("scry-modular").module, "scrystream:2.1");
    let big = find("scry-multi-dash-big");
    assert_eq!(big.version, "10-0.1.rc2");
    assert_eq!(
        big.source,
        Some(("scry-multi-dash-big".to_string(), "10-0.1.rc2".to_string()))
    );
    println!(
        "rpmbuild packages as sqlite: {} packages matched rpm",
        got.len()
    );
}
