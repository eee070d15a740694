//! Each directory under `tests/data/` is one layer holding the release files of a real
//! distribution image; the scan must report that distribution as Clair does.

use std::path::Path;

use scry_plugin_os_release::OsReleaseScanner;
use scry_sdk::scanner::{Contents, Distribution, LayerFile, Scanner, ScannerKind};

fn file(path: &str, bytes: &[u8]) -> LayerFile {
    LayerFile {
        path: path.to_string(),
        mode: 0o644,
        size: bytes.len() as u64,
        contents: Contents::Bytes(bytes.to_vec()),
    }
}

fn layer(case: &str) -> Vec<LayerFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(case);
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let relative = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string();
                files.push(file(&relative, &std::fs::read(&path).unwrap()));
            }
        }
    }
    files
}

fn scan(files: Vec<LayerFile>) -> Vec<Distribution> {
    let findings = OsReleaseScanner::scan(files).expect("release files never fail a scan");
    assert!(findings.packages.is_empty() && findings.repositories.is_empty());
    findings.distributions
}

/// did, name, version, version_code_name, version_id, cpe, pretty_name.
type Fields = [&'static str; 7];

fn fields(dist: &Distribution) -> [&str; 7] {
    assert_eq!(dist.arch, "", "arch is not known from release files");
    [
        &dist.did,
        &dist.name,
        &dist.version,
        &dist.version_code_name,
        &dist.version_id,
        &dist.cpe,
        &dist.pretty_name,
    ]
    .map(String::as_str)
}

fn assert_case(case: &str, want: Fields) {
    let found = scan(layer(case));
    assert_eq!(found.len(), 1, "{case}: {found:?}");
    assert_eq!(fields(&found[0]), want, "{case}");
}

const DEBIAN_12: Fields = [
    "debian",
    "Debian GNU/Linux",
    "12 (bookworm)",
    "bookworm",
    "12",
    "",
    "Debian GNU/Linux 12 (bookworm)",
];
const DEBIAN_11: Fields = [
    "debian",
    "Debian GNU/Linux",
    "11 (bullseye)",
    "bullseye",
    "11",
    "",
    "Debian GNU/Linux 11 (bullseye)",
];

#[test]
fn debian() {
    assert_case("debian-12", DEBIAN_12);
    assert_case("debian-11-usr-lib", DEBIAN_11);
    assert_case(
        "debian-7",
        [
            "debian",
            "Debian GNU/Linux",
            "7 (wheezy)",
            "wheezy",
            "7",
            "",
            "Debian GNU/Linux 7 (wheezy)",
        ],
    );
}

#[test]
fn debian_before_os_release_uses_debian_version() {
    assert_case(
        "debian-6",
        [
            "debian",
            "Debian GNU/Linux",
            "6 (squeeze)",
            "squeeze",
            "6",
            "",
            "Debian GNU/Linux 6 (squeeze)",
        ],
    );
}

#[test]
fn debian_testing_has_no_release_number_and_keeps_its_own_fields() {
    assert_case(
        "debian-testing",
        [
            "debian",
            "Debian GNU/Linux",
            "",
            "trixie",
            "",
            "",
            "Debian GNU/Linux trixie/sid",
        ],
    );
}

#[test]
fn distroless_is_reported_as_its_debian_release() {
    assert_case("distroless-debian12", DEBIAN_12);
    assert_case("distroless-debian11", DEBIAN_11);
}

#[test]
fn ubuntu() {
    assert_case(
        "ubuntu-22.04",
        [
            "ubuntu",
            "Ubuntu",
            "22.04 (Jammy)",
            "jammy",
            "22.04",
            "",
            "Ubuntu 22.04",
        ],
    );
    assert_case(
        "ubuntu-14.04",
        [
            "ubuntu",
            "Ubuntu",
            "14.04 (Trusty)",
            "trusty",
            "14.04",
            "",
            "Ubuntu 14.04",
        ],
    );
    assert_case(
        "ubuntu-18.04-lsb-only",
        [
            "ubuntu",
            "Ubuntu",
            "18.04 (Bionic)",
            "bionic",
            "18.04",
            "",
            "Ubuntu 18.04",
        ],
    );
}

#[test]
fn alpine() {
    assert_case(
        "alpine-3.18",
        [
            "alpine",
            "Alpine Linux",
            "3.18",
            "",
            "",
            "",
            "Alpine Linux v3.18",
        ],
    );
    assert_case(
        "alpine-edge",
        [
            "alpine",
            "Alpine Linux",
            "edge",
            "",
            "",
            "",
            "Alpine Linux edge",
        ],
    );
    assert_case(
        "alpine-3.3-issue-only",
        [
            "alpine",
            "Alpine Linux",
            "3.3",
            "",
            "",
            "",
            "Alpine Linux v3.3",
        ],
    );
}

fn rhel(major: &'static str, cpe: &'static str, pretty: &'static str) -> Fields {
    [
        "rhel",
        "Red Hat Enterprise Linux Server",
        major,
        "",
        major,
        cpe,
        pretty,
    ]
}

#[test]
fn red_hat_enterprise_linux_and_ubi() {
    let rhel8 = rhel(
        "8",
        "cpe:2.3:o:redhat:enterprise_linux:8:*:*:*:*:*:*:*",
        "Red Hat Enterprise Linux Server 8",
    );
    assert_case("ubi8", rhel8);
    let rhel9 = rhel(
        "9",
        "cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*",
        "Red Hat Enterprise Linux Server 9",
    );
    assert_case("rhel-9", rhel9);
    let rhel6 = rhel(
        "6",
        "cpe:2.3:o:redhat:enterprise_linux:6:*:*:*:*:*:*:*",
        "Red Hat Enterprise Linux Server 6",
    );
    assert_case("rhel-6", rhel6);
}

#[test]
fn oracle_linux_is_not_taken_for_rhel() {
    assert_case(
        "oracle-8",
        [
            "ol",
            "Oracle Linux Server",
            "8",
            "",
            "8",
            "",
            "Oracle Linux Server 8",
        ],
    );
    assert_case(
        "oracle-6",
        [
            "ol",
            "Oracle Linux Server",
            "6",
            "",
            "6",
            "",
            "Oracle Linux Server 6",
        ],
    );
}

#[test]
fn rhel_rebuilds_and_fedora_keep_their_os_release_fields() {
    assert_case(
        "centos-7",
        [
            "centos",
            "CentOS Linux",
            "7 (Core)",
            "",
            "7",
            "cpe:2.3:o:centos:centos:7:*:*:*:*:*:*:*",
            "CentOS Linux 7 (Core)",
        ],
    );
    assert_case(
        "rocky-9",
        [
            "rocky",
            "Rocky Linux",
            "9.3 (Blue Onyx)",
            "",
            "9.3",
            "cpe:2.3:o:rocky:rocky:9:*:baseos:*:*:*:*:*",
            "Rocky Linux 9.3 (Blue Onyx)",
        ],
    );
    assert_case(
        "alma-9",
        [
            "almalinux",
            "AlmaLinux",
            "9.3 (Shamrock Pampas Cat)",
            "",
            "9.3",
            "cpe:2.3:o:almalinux:almalinux:9:*:baseos:*:*:*:*:*",
            "AlmaLinux 9.3 (Shamrock Pampas Cat)",
        ],
    );
    assert_case(
        "fedora-39",
        [
            "fedora",
            "Fedora Linux",
            "39 (Container Image)",
            "",
            "39",
            "cpe:2.3:o:fedoraproject:fedora:39:*:*:*:*:*:*:*",
            "Fedora Linux 39 (Container Image)",
        ],
    );
}

#[test]
fn suse() {
    assert_case(
        "sles-15",
        [
            "sles",
            "SLES",
            "15",
            "",
            "15",
            "",
            "SUSE Linux Enterprise Server 15",
        ],
    );
    assert_case(
        "opensuse-leap-15.5",
        [
            "opensuse-leap",
            "openSUSE Leap",
            "15.5",
            "",
            "15.5",
            "",
            "openSUSE Leap 15.5",
        ],
    );
}

#[test]
fn amazon_linux() {
    assert_case(
        "amazon-linux-2",
        [
            "amzn",
            "Amazon Linux",
            "2",
            "",
            "2",
            "cpe:2.3:o:amazon:amazon_linux:2:*:*:*:*:*:*:*",
            "Amazon Linux 2",
        ],
    );
    assert_case(
        "amazon-linux-2023",
        [
            "amzn",
            "Amazon Linux",
            "2023",
            "",
            "2023",
            "cpe:2.3:o:amazon:amazon_linux:2023:*:*:*:*:*:*:*",
            "Amazon Linux 2023",
        ],
    );
    assert_case(
        "amazon-linux-1",
        [
            "amzn",
            "Amazon Linux AMI",
            "2018.03",
            "",
            "2018.03",
            "cpe:2.3:o:amazon:linux:2018.03:ga:*:*:*:*:*:*",
            "Amazon Linux AMI 2018.03",
        ],
    );
}

#[test]
fn etc_os_release_wins_over_usr_lib() {
    let mut files = layer("debian-11-usr-lib");
    files.extend(layer("debian-12"));
    assert_eq!(fields(&scan(files)[0]), DEBIAN_12);
}

#[test]
fn a_layer_without_release_files_has_no_distribution() {
    assert!(scan(Vec::new()).is_empty());
    assert!(scan(vec![file("etc/issue", b"\\S\nKernel \\r on an \\m\n")]).is_empty());
}

#[test]
fn garbage_release_files_do_not_panic_or_invent_a_distribution() {
    let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let files = [
        "etc/os-release",
        "etc/lsb-release",
        "etc/redhat-release",
        "etc/issue",
        "etc/alpine-release",
        "etc/debian_version",
    ]
    .map(|path| file(path, &garbage));
    assert!(scan(files.into()).is_empty());
}

#[test]
fn identity_and_wants() {
    let id = OsReleaseScanner::identify();
    assert_eq!((id.name.as_str(), id.version.as_str()), ("os-release", "1"));
    assert!(matches!(id.kind, ScannerKind::Distribution));
    let wants = OsReleaseScanner::wanted();
    for path in [
        "etc/os-release",
        "usr/lib/os-release",
        "etc/lsb-release",
        "etc/issue",
        "etc/debian_version",
    ] {
        assert!(wants.globs.iter().any(|g| g == path), "{path}");
    }
    assert!(!wants.executables && wants.magic.is_empty());
}
