//! `tests/data/installed` is made of records copied from the installed database of an
//! Alpine 3.14 (armv7) minirootfs, file lists included.

use std::path::Path;

use scry_plugin_apk::ApkScanner;
use scry_sdk::scanner::{
    Contents, LayerFile, Package, PackageKind, ScanError, Scanner, ScannerKind,
};

const DB: &str = "lib/apk/db/installed";

fn installed() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/installed")).unwrap()
}

fn file(path: &str, bytes: Vec<u8>) -> LayerFile {
    LayerFile {
        path: path.to_string(),
        mode: 0o644,
        size: bytes.len() as u64,
        contents: Contents::Bytes(bytes),
    }
}

fn scan(bytes: Vec<u8>) -> Vec<Package> {
    let findings = ApkScanner::scan(vec![file(DB, bytes)]).expect("scan succeeds");
    assert!(findings.distributions.is_empty() && findings.repositories.is_empty());
    findings.packages
}

/// name, version, arch, origin, origin version, commit hint.
fn summary(package: &Package) -> [&str; 6] {
    assert!(matches!(package.kind, PackageKind::Binary));
    assert_eq!(package.package_db, DB);
    assert_eq!(
        (
            package.file_path.as_str(),
            package.module.as_str(),
            package.cpe.as_str()
        ),
        ("", "", "")
    );
    let source = package
        .source
        .as_ref()
        .expect("every package has an origin");
    [
        &package.name,
        &package.version,
        &package.arch,
        &source.name,
        &source.version,
        &package.repository_hint,
    ]
    .map(String::as_str)
}

#[test]
fn installed_packages_with_origin_and_commit_sorted_by_name() {
    let packages = scan(installed());
    let found: Vec<_> = packages.iter().map(summary).collect();
    assert_eq!(
        found,
        [
            [
                "apk-tools",
                "2.12.6-r0",
                "armv7",
                "apk-tools",
                "2.12.6-r0",
                "d627ad2cf81fefe7873f6cb3c5b03222b4a2eb64"
            ],
            [
                "boost1.75-system",
                "1.75.0-r8",
                "armv7",
                "boost1.75",
                "1.75.0-r8",
                "1900db34ee50bab2ec08a92aacc6074a01ccd836"
            ],
            [
                "busybox",
                "1.33.1-r3",
                "armv7",
                "busybox",
                "1.33.1-r3",
                "98710256acf90e670e79f32f1f0350b830979d24"
            ],
            [
                "ca-certificates-bundle",
                "20191127-r5",
                "armv7",
                "ca-certificates",
                "20191127-r5",
                "51999ab9304ec11c68c4ea9e99350ac7570e7f21",
            ],
            [
                "libc-utils",
                "0.7.2-r3",
                "armv7",
                "libc-dev",
                "0.7.2-r3",
                "60424133be2e79bbfeff3d58147a22886f817ce2"
            ],
            [
                "libcrypto1.1",
                "1.1.1k-r0",
                "armv7",
                "openssl",
                "1.1.1k-r0",
                "92ff3f34184c589fa4d811f96fa7f607b803975a"
            ],
            [
                "libgcc",
                "10.3.1_git20210424-r2",
                "armv7",
                "gcc",
                "10.3.1_git20210424-r2",
                "9a63416183087f223b7c63eb6319e9d3481816c0"
            ],
            [
                "libretls",
                "3.3.3-r2",
                "armv7",
                "libretls",
                "3.3.3-r2",
                "e9e971672fe3192db30a7619e5e47aed9437d94a"
            ],
            [
                "libssl1.1",
                "1.1.1k-r0",
                "armv7",
                "openssl",
                "1.1.1k-r0",
                "92ff3f34184c589fa4d811f96fa7f607b803975a"
            ],
            [
                "musl",
                "1.2.2-r3",
                "armv7",
                "musl",
                "1.2.2-r3",
                "1e9cba35059e3bb4635f12ee7e10dfe687df31ad"
            ],
            [
                "musl-utils",
                "1.2.2-r3",
                "armv7",
                "musl",
                "1.2.2-r3",
                "1e9cba35059e3bb4635f12ee7e10dfe687df31ad"
            ],
            [
                "scanelf",
                "1.3.2-r0",
                "armv7",
                "pax-utils",
                "1.3.2-r0",
                "4c7f72840f5052bc63af1796c3ad0021f97949f2"
            ],
            [
                "ssl_client",
                "1.33.1-r3",
                "armv7",
                "busybox",
                "1.33.1-r3",
                "98710256acf90e670e79f32f1f0350b830979d24"
            ],
            [
                "zlib",
                "1.2.11-r3",
                "armv7",
                "zlib",
                "1.2.11-r3",
                "388a4fb3640f8ccbd18e105df3ad741dca4247e1"
            ],
        ]
    );
}

#[test]
fn keys_are_case_sensitive() {
    // `C` is the checksum and `c` the commit: the hint must be the commit.
    let packages = scan(installed());
    assert!(
        packages
            .iter()
            .all(|p| !p.repository_hint.starts_with("Q1"))
    );
}

#[test]
fn missing_origin_makes_the_package_its_own_source() {
    let packages = scan(b"P:hello\nV:1.0-r0\nA:x86_64\n".to_vec());
    assert_eq!(
        summary(&packages[0]),
        ["hello", "1.0-r0", "x86_64", "hello", "1.0-r0", ""]
    );
}

#[test]
fn record_without_a_version_is_malformed() {
    let text = String::from_utf8(installed())
        .unwrap()
        .replacen("V:1.33.1-r3\n", "", 1);
    match ApkScanner::scan(vec![file(DB, text.into_bytes())]) {
        Err(ScanError::Malformed(err)) => {
            assert_eq!(err.path, DB);
            assert!(err.reason.contains("no V: field"), "{}", err.reason);
        }
        other => panic!("expected malformed, got {other:?}"),
    }
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    let garbage: Vec<u8> = (0..=255u8).cycle().take(8192).collect();
    assert!(matches!(
        ApkScanner::scan(vec![file(DB, garbage)]),
        Err(ScanError::Malformed(_))
    ));
    assert!(scan(Vec::new()).is_empty());
}

#[test]
fn other_paths_are_ignored() {
    let findings = ApkScanner::scan(vec![file("usr/lib/apk/db/installed", installed())]).unwrap();
    assert!(findings.packages.is_empty());
}

#[test]
fn identity_and_wants() {
    let id = ApkScanner::identify();
    assert_eq!((id.name.as_str(), id.version.as_str()), ("apk", "1"));
    assert!(matches!(id.kind, ScannerKind::Package));
    assert_eq!(ApkScanner::wanted().globs, [DB]);
}
