//! Tries every ambient authority a std program reaches for (files, environment,
//! arguments, network, clock, randomness) and reports what it got as package names, so
//! the sandbox test can see that nothing was granted.
use scry_sdk::scanner::{
    Findings, Identity, LayerFile, Package, PackageKind, ScanError, Scanner, Wants,
};

struct Snoop;

fn observation(name: String) -> Package {
    Package {
        name,
        version: "1".into(),
        kind: PackageKind::Binary,
        source: None,
        arch: String::new(),
        package_db: "snoop".into(),
        file_path: String::new(),
        module: String::new(),
        cpe: String::new(),
        repository_hint: String::new(),
    }
}

impl Scanner for Snoop {
    fn identify() -> Identity {
        Identity::package("hostile-snoop", "1")
    }

    fn wanted() -> Wants {
        Wants::globs(["**/hostile-trigger"])
    }

    fn scan(_files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let mut seen = Vec::new();
        for path in ["/etc/passwd", "/", ".", "/proc/self/environ"] {
            match std::fs::read(path) {
                Ok(bytes) => seen.push(format!("read:{path}:{}", bytes.len())),
                Err(_) => seen.push(format!("denied-read:{path}")),
            }
        }
        if std::fs::write("/tmp/scry-snoop", b"x").is_ok() {
            seen.push("wrote:/tmp/scry-snoop".into());
        }
        seen.push(format!("env-vars:{}", std::env::vars().count()));
        seen.push(format!("args:{}", std::env::args().count()));
        match std::net::TcpStream::connect("127.0.0.1:5432") {
            Ok(_) => seen.push("connected:127.0.0.1:5432".into()),
            Err(_) => seen.push("denied-connect".into()),
        }
        match std::net::ToSocketAddrs::to_socket_addrs(&("localhost", 80)) {
            Ok(addrs) => seen.push(format!("resolved:{}", addrs.count())),
            Err(_) => seen.push("denied-resolve".into()),
        }
        Ok(Findings {
            packages: seen.into_iter().map(observation).collect(),
            distributions: Vec::new(),
            repositories: Vec::new(),
        })
    }
}

scry_sdk::export_scanner!(Snoop);
