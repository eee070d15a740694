//! The `rpm` scanner plugin: installed packages from rpm's databases, the BerkeleyDB
//! `Packages` of RHEL/CentOS 5 to 8 and the `rpmdb.sqlite` of Fedora 33+ and RHEL 9+.
//! Everything is parsed here in plain Rust; the plugin links no C library.

pub mod bdb;
pub mod header;
pub mod input;
pub mod package;
pub mod sqlite;

use std::io::{Read, Seek};

use scry_sdk::scanner::{
    FileError, Findings, Identity, LayerFile, Package, ScanError, Scanner, Wants,
};

use crate::input::{DbError, Input};

/// Where rpm keeps its database: `/var/lib/rpm` traditionally, `/usr/lib/sysimage/rpm`
/// since rpm 4.16 (with `/var/lib/rpm` often a link to it). The `**/rpm/` forms catch
/// databases moved elsewhere by `%_dbpath`.
const GLOBS: [&str; 6] = [
    "**/var/lib/rpm/Packages",
    "**/var/lib/rpm/rpmdb.sqlite",
    "**/usr/lib/sysimage/rpm/rpmdb.sqlite",
    "**/usr/lib/sysimage/rpm/Packages",
    "**/rpm/Packages",
    "**/rpm/rpmdb.sqlite",
];

/// The two database backends this plugin reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    BerkeleyDb,
    Sqlite,
}

impl Backend {
    /// The backend a delivered file is, by name, when it sits in an `rpm` directory.
    pub fn of(path: &str) -> Option<Backend> {
        let mut components = path.rsplit('/');
        let name = components.next()?;
        if components.next() != Some("rpm") {
            return None;
        }
        match name {
            "Packages" => Some(Backend::BerkeleyDb),
            "rpmdb.sqlite" => Some(Backend::Sqlite),
            _ => None,
        }
    }

    /// The prefix of `package_db`, as Clair writes it.
    pub fn prefix(self) -> &'static str {
        match self {
            Backend::BerkeleyDb => "bdb",
            Backend::Sqlite => "sqlite",
        }
    }
}

pub struct Rpm;

impl Scanner for Rpm {
    fn identify() -> Identity {
        Identity::package("rpm", "1")
    }

    fn wanted() -> Wants {
        Wants {
            globs: GLOBS.iter().map(|glob| glob.to_string()).collect(),
            executables: false,
            magic: Vec::new(),
        }
    }

    fn scan(files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let mut findings = Findings::empty();
        for file in &files {
            findings.packages.extend(scan_file(file)?);
        }
        Ok(findings)
    }
}

/// The packages of one delivered file; none for a file that is not an rpm database.
pub fn scan_file(file: &LayerFile) -> Result<Vec<Package>, ScanError> {
    let Some(backend) = Backend::of(&file.path) else {
        return Ok(Vec::new());
    };
    let package_db = format!("{}:{}", backend.prefix(), file.dir());
    let mut input = Input::new(file.reader(), file.size);
    read_packages(backend, &mut input, &package_db).map_err(|err| {
        let error = |reason| FileError {
            path: file.path.clone(),
            reason,
        };
        match err {
            DbError::Malformed(reason) => ScanError::Malformed(error(reason)),
            DbError::Unsupported(reason) => ScanError::Unsupported(error(reason)),
        }
    })
}

/// The packages in a database of the given backend, in database order.
pub fn read_packages<R: Read + Seek>(
    backend: Backend,
    input: &mut Input<R>,
    package_db: &str,
) -> Result<Vec<Package>, DbError> {
    // A zero-length file is an empty database to SQLite, and what a layer holds when
    // the database was emptied; either way there are no packages.
    if input.size() == 0 {
        return Ok(Vec::new());
    }
    let mut packages = Vec::new();
    let mut add = |blob: &[u8]| -> Result<(), DbError> {
        packages.extend(package::from_blob(blob, package_db)?);
        Ok(())
    };
    match backend {
        Backend::BerkeleyDb => bdb::for_each_value(input, &mut add)?,
        Backend::Sqlite => sqlite::for_each_blob(input, &mut add)?,
    }
    Ok(packages)
}

scry_sdk::export_scanner!(Rpm);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_by_path() {
        assert_eq!(
            Backend::of("var/lib/rpm/Packages"),
            Some(Backend::BerkeleyDb)
        );
        assert_eq!(
            Backend::of("usr/lib/sysimage/rpm/rpmdb.sqlite"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::of("rpm/Packages"), Some(Backend::BerkeleyDb));
        assert_eq!(Backend::of("Packages"), None);
        assert_eq!(Backend::of("var/lib/apt/lists/Packages"), None);
        assert_eq!(Backend::of("var/lib/rpm/Name"), None);
    }
}
