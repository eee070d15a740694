//! `tests/data/debian` holds records copied from a Debian 12 `/var/lib/dpkg/status`;
//! `tests/data/distroless` holds the control files of Debian 12 packages (as distroless
//! images install them into `status.d/`) and one real `md5sums` file.

use std::path::Path;

use scry_plugin_dpkg::DpkgScanner;
use scry_sdk::scanner::{
    Contents, LayerFile, Package, PackageKind, ScanError, Scanner, ScannerKind,
};

fn data(relative: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn file(path: &str, bytes: Vec<u8>) -> LayerFile {
    LayerFile {
        path: path.to_string(),
        mode: 0o644,
        size: bytes.len() as u64,
        contents: Contents::Bytes(bytes),
    }
}

fn status_file() -> LayerFile {
    file("var/lib/dpkg/status", data("debian/var/lib/dpkg/status"))
}

fn distroless_files() -> Vec<LayerFile> {
    [
        "base-files",
        "libssl3",
        "netbase",
        "netbase.md5sums",
        "tzdata",
    ]
    .map(|name| {
        let path = format!("var/lib/dpkg/status.d/{name}");
        file(&path, data(&format!("distroless/{path}")))
    })
    .into()
}

fn scan(files: Vec<LayerFile>) -> Vec<Package> {
    let findings = DpkgScanner::scan(files).expect("scan succeeds");
    assert!(findings.distributions.is_empty() && findings.repositories.is_empty());
    findings.packages
}

/// name, version, arch, source name, source version, package db.
fn summary(package: &Package) -> [&str; 6] {
    assert!(matches!(package.kind, PackageKind::Binary));
    assert_eq!(
        (
            package.file_path.as_str(),
            package.module.as_str(),
            package.cpe.as_str()
        ),
        ("", "", "")
    );
    let source = package.source.as_ref().expect("every package has a source");
    [
        &package.name,
        &package.version,
        &package.arch,
        &source.name,
        &source.version,
        &package.package_db,
    ]
    .map(String::as_str)
}

const DB: &str = "var/lib/dpkg/status";

#[test]
fn status_file_packages_with_their_sources_sorted_by_name() {
    let packages = scan(vec![status_file()]);
    let found: Vec<_> = packages.iter().map(summary).collect();
    assert_eq!(
        found,
        [
            [
                "base-files",
                "12.4+deb12u11",
                "amd64",
                "base-files",
                "12.4+deb12u11",
                DB
            ],
            ["bash", "5.2.15-2+b8", "amd64", "bash", "5.2.15-2", DB],
            [
                "bsdutils",
                "1:2.38.1-5+deb12u3",
                "amd64",
                "util-linux",
                "2.38.1-5+deb12u3",
                DB
            ],
            [
                "libc6",
                "2.36-9+deb12u14",
                "amd64",
                "glibc",
                "2.36-9+deb12u14",
                DB
            ],
            [
                "libcap2",
                "1:2.66-4+deb12u2+b2",
                "amd64",
                "libcap2",
                "1:2.66-4+deb12u2",
                DB
            ],
            [
                "libgcc-s1",
                "12.2.0-14+deb12u1",
                "amd64",
                "gcc-12",
                "12.2.0-14+deb12u1",
                DB
            ],
            [
                "mysql-common",
                "5.8+1.1.0",
                "all",
                "mysql-defaults",
                "1.1.0",
                DB
            ],
            [
                "postgresql",
                "15+248+deb12u2",
                "all",
                "postgresql-common",
                "248+deb12u2",
                DB
            ],
            [
                "tzdata",
                "2025b-0+deb12u2",
                "all",
                "tzdata",
                "2025b-0+deb12u2",
                DB
            ],
            [
                "zlib1g",
                "1:1.2.13.dfsg-1",
                "amd64",
                "zlib",
                "1:1.2.13.dfsg-1",
                DB
            ],
        ]
    );
}

#[test]
fn packages_that_are_not_installed_are_left_out() {
    let text = String::from_utf8(data("debian/var/lib/dpkg/status")).unwrap();
    // Turn two real records into what dpkg leaves after `apt remove` and a failed unpack.
    let text = text
        .replacen(
            "Package: bash\nEssential: yes\nStatus: install ok installed",
            "Package: bash\nEssential: yes\nStatus: deinstall ok config-files",
            1,
        )
        .replacen(
            "Package: libc6\nStatus: install ok installed",
            "Package: libc6\nStatus: install reinstreq half-installed",
            1,
        );
    assert_eq!(text.matches("Status: install ok installed").count(), 8);
    let names: Vec<_> = scan(vec![file(DB, text.into_bytes())])
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names.len(), 8);
    assert!(
        !names.iter().any(|n| n == "bash" || n == "libc6"),
        "{names:?}"
    );
}

#[test]
fn distroless_status_d_files_each_name_their_own_database() {
    let packages = scan(distroless_files());
    let found: Vec<_> = packages.iter().map(summary).collect();
    let db = |name| format!("var/lib/dpkg/status.d/{name}");
    let (base, libssl, netbase, tzdata) =
        (db("base-files"), db("libssl3"), db("netbase"), db("tzdata"));
    assert_eq!(
        found,
        [
            [
                "base-files",
                "12.4+deb12u15",
                "amd64",
                "base-files",
                "12.4+deb12u15",
                base.as_str()
            ],
            [
                "libssl3",
                "3.0.22-1~deb12u2",
                "amd64",
                "openssl",
                "3.0.22-1~deb12u2",
                libssl.as_str()
            ],
            ["netbase", "6.4", "all", "netbase", "6.4", netbase.as_str()],
            [
                "tzdata",
                "2026f-0+deb12u1",
                "all",
                "tzdata",
                "2026f-0+deb12u1",
                tzdata.as_str()
            ],
        ]
    );
}

#[test]
fn databases_below_the_root_keep_their_own_path() {
    let nested = file(
        "srv/chroot/var/lib/dpkg/status",
        data("debian/var/lib/dpkg/status"),
    );
    let packages = scan(vec![nested]);
    assert_eq!(packages.len(), 10);
    assert!(
        packages
            .iter()
            .all(|p| p.package_db == "srv/chroot/var/lib/dpkg/status")
    );
}

#[test]
fn status_and_status_d_together_are_merged_in_order() {
    let mut files = distroless_files();
    files.push(status_file());
    let packages = scan(files);
    assert_eq!(packages.len(), 14);
    let keys: Vec<_> = packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn corrupt_database_is_malformed_and_names_the_file() {
    let broken = file(
        DB,
        b"Package: a\nStatus: install ok installed\nVersion: 1\nthis line is not a field\n"
            .to_vec(),
    );
    match DpkgScanner::scan(vec![broken]) {
        Err(ScanError::Malformed(err)) => {
            assert_eq!(err.path, DB);
            assert!(err.reason.contains("line 4"), "{}", err.reason);
        }
        other => panic!("expected malformed, got {other:?}"),
    }
    let missing = file(
        "var/lib/dpkg/status.d/x",
        b"Package: x\nArchitecture: amd64\n".to_vec(),
    );
    assert!(
        matches!(DpkgScanner::scan(vec![missing]), Err(ScanError::Malformed(e)) if e.path == "var/lib/dpkg/status.d/x")
    );
}

#[test]
fn binary_garbage_does_not_panic() {
    let garbage: Vec<u8> = (0..=255u8).cycle().take(8192).collect();
    let result = DpkgScanner::scan(vec![
        file(DB, garbage.clone()),
        file("var/lib/dpkg/status.d/junk", garbage),
    ]);
    assert!(matches!(result, Err(ScanError::Malformed(_))));
    assert!(scan(vec![file(DB, Vec::new())]).is_empty());
}

#[test]
fn vcpkg_status_file_is_skipped() {
    let vcpkg = b"Package: zlib\nVersion: 1.3\nPort-Version: 1\nArchitecture: x64-linux\nMulti-Arch: same\nAbi: 0c7b\nStatus: install ok installed\n\nPackage: fmt\nFeature: core\nArchitecture: x64-linux\nStatus: install ok installed\n";
    assert!(scan(vec![file(DB, vcpkg.to_vec())]).is_empty());
}

#[test]
fn identity_and_wants() {
    let id = DpkgScanner::identify();
    assert_eq!((id.name.as_str(), id.version.as_str()), ("dpkg", "1"));
    assert!(matches!(id.kind, ScannerKind::Package));
    assert_eq!(
        DpkgScanner::wanted().globs,
        ["**/var/lib/dpkg/status", "**/var/lib/dpkg/status.d/*"]
    );
}
