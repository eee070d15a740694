//! Shared helpers: the real `rpm` tool as the oracle, go-rpmdb's real databases, and a
//! package row that compares exactly.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use scry_plugin_rpm::Rpm;
use scry_sdk::scanner::{Contents, LayerFile, Package, ScanError, Scanner};

/// Where Debian's `golang-github-knqyf263-go-rpmdb-dev` installs go-rpmdb's test
/// databases, BerkeleyDB `Packages` files taken from CentOS images.
pub const GO_RPMDB_TESTDATA: &str =
    "/usr/share/gocode/src/github.com/knqyf263/go-rpmdb/pkg/testdata";

const INSTALL: &str = "run scripts/deps/rpm.sh \
    (apt-get install -y rpm golang-github-knqyf263-go-rpmdb-dev)";

/// The query every oracle call prints: one tab-separated line per header.
const QUERY_FORMAT: &str = "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{MODULARITYLABEL}\\n";

/// Fails the test, never skips it, when a tool the oracle needs is missing.
pub fn require_tool(tool: &str) {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(found, "`{tool}` is not installed: {INSTALL}");
}

/// The real `Packages` file of one go-rpmdb test database, e.g. `centos7-plain`.
pub fn go_rpmdb_packages(name: &str) -> PathBuf {
    let path = Path::new(GO_RPMDB_TESTDATA).join(name).join("Packages");
    assert!(path.is_file(), "{} is missing: {INSTALL}", path.display());
    path
}

/// A scratch directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "scry-rpm-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a command, failing the test with its stderr when it does not succeed.
pub fn run(command: &mut Command) -> Vec<u8> {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}; {INSTALL}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A package as both sides can state it, so the scanner and rpm compare exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub name: String,
    pub version: String,
    pub arch: String,
    pub source: Option<(String, String)>,
    pub module: String,
}

impl Row {
    pub fn of(package: &Package) -> Row {
        Row {
            name: package.name.clone(),
            version: package.version.clone(),
            arch: package.arch.clone(),
            source: package
                .source
                .as_ref()
                .map(|source| (source.name.clone(), source.version.clone())),
            module: package.module.clone(),
        }
    }
}

/// What rpm says is installed in the database at `dbpath` (rpm's `--dbpath`, relative to
/// `root` when given), without `gpg-pubkey` entries, sorted; and how many `gpg-pubkey`
/// entries it skipped.
pub fn rpm_says(root: Option<&Path>, dbpath: &Path, backend: &str) -> (Vec<Row>, usize) {
    require_tool("rpm");
    let mut command = Command::new("rpm");
    if let Some(root) = root {
        command.arg("--root").arg(root);
    }
    command
        .arg("--dbpath")
        .arg(dbpath)
        .args(["--define", &format!("_db_backend {backend}")])
        .args(["-qa", "--qf", QUERY_FORMAT]);
    let stdout = String::from_utf8(run(&mut command)).unwrap();
    let none = |field: &str| {
        if field == "(none)" {
            String::new()
        } else {
            field.to_string()
        }
    };
    let mut keys = 0;
    let mut rows = Vec::new();
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, epoch, version, release, arch, source_rpm, label] = fields[..] else {
            panic!("unexpected rpm output line {line:?}");
        };
        if name == "gpg-pubkey" {
            keys += 1;
            continue;
        }
        let version = match epoch {
            "0" => format!("{version}-{release}"),
            epoch => format!("{epoch}:{version}-{release}"),
        };
        let source = none(source_rpm).strip_suffix(".src.rpm").map(|nvr| {
            let mut parts = nvr.rsplitn(3, '-');
            let (release, version, name) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            (name.to_string(), format!("{version}-{release}"))
        });
        let module = none(label).split(':').take(2).collect::<Vec<_>>().join(":");
        rows.push(Row {
            name: name.to_string(),
            version,
            arch: none(arch),
            source,
            module,
        });
    }
    rows.sort();
    (rows, keys)
}

/// Runs the plugin, through its `Scanner` entry point, on one file delivered inline.
pub fn scan(layer_path: &str, bytes: Vec<u8>) -> Result<Vec<Package>, ScanError> {
    let file = LayerFile {
        path: layer_path.to_string(),
        mode: 0o644,
        size: bytes.len() as u64,
        contents: Contents::Bytes(bytes),
    };
    Rpm::scan(vec![file]).map(|findings| findings.packages)
}

/// The scanner's packages as sorted rows, checking every one names `package_db`.
pub fn rows(packages: &[Package], package_db: &str) -> Vec<Row> {
    for package in packages {
        assert_eq!(package.package_db, package_db, "{package:?}");
        assert!(package.file_path.is_empty(), "{package:?}");
    }
    let mut rows: Vec<Row> = packages.iter().map(Row::of).collect();
    rows.sort();
    rows
}

/// Asserts two sorted package lists are equal, showing only the differences.
pub fn assert_same(what: &str, got: &[Row], want: &[Row]) {
    if got == want {
        return;
    }
    let missing: Vec<_> = want.iter().filter(|row| !got.contains(row)).collect();
    let extra: Vec<_> = got.iter().filter(|row| !want.contains(row)).collect();
    panic!(
        "{what}: scanner found {} packages, rpm {}\nmissing: {missing:#?}\nextra: {extra:#?}",
        got.len(),
        want.len()
    );
}

/// Converts the BerkeleyDB database in `from` into an SQLite one in `to` with rpm's own
/// export and import.
pub fn bdb_to_sqlite(from: &Path, to: &Path) {
    require_tool("rpmdb");
    let headers = run(Command::new("rpmdb").arg("--dbpath").arg(from).args([
        "--define",
        "_db_backend bdb_ro",
        "--exportdb",
    ]));
    let mut import = Command::new("rpmdb")
        .arg("--dbpath")
        .arg(to)
        .args(["--define", "_db_backend sqlite", "--importdb"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run rpmdb: {err}; {INSTALL}"));
    use std::io::Write;
    import.stdin.take().unwrap().write_all(&headers).unwrap();
    let output = import.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "rpmdb --importdb failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A copy of a go-rpmdb database in a scratch directory: rpm wants to create lock
/// and index files next to it.
pub fn bdb_copy(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    std::fs::copy(go_rpmdb_packages(name), dir.path().join("Packages")).unwrap();
    dir
}

/// Every go-rpmdb test database.
pub const GO_RPMDB_DATABASES: [&str; 10] = [
    "centos5-plain",
    "centos6-plain",
    "centos6-many",
    "centos6-devtools",
    "centos7-plain",
    "centos7-many",
    "centos7-devtools",
    "centos7-httpd24",
    "centos7-python35",
    "centos8-modularitylabel",
];
