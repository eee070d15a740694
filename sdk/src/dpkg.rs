//! dpkg's package database: `var/lib/dpkg/status` and the distroless
//! `var/lib/dpkg/status.d/*` files, both RFC 822-style records (see [`crate::rfc822`]).

use std::borrow::Cow;
use std::fmt;

use crate::rfc822::{self, Paragraph};

/// One binary package record. `source_name`/`source_version` default to the binary's
/// own name and version when the record has no `Source:` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpkgPackage<'a> {
    pub name: Cow<'a, str>,
    pub version: Cow<'a, str>,
    /// Empty when the record has no `Architecture:`.
    pub arch: Cow<'a, str>,
    pub source_name: Cow<'a, str>,
    pub source_version: Cow<'a, str>,
    /// The raw `Status:` value, empty when absent (distroless records have none).
    pub status: Cow<'a, str>,
}

impl DpkgPackage<'_> {
    /// Whether dpkg considers the package installed; see [`is_installed`].
    pub fn is_installed(&self) -> bool {
        is_installed(&self.status)
    }
}

/// Whether a `Status:` value (`want flag state`, e.g. `install ok installed`) says the
/// package is installed: it must carry both the `ok` flag and the `installed` state.
/// Words are compared whole, so `not-installed` and `half-installed` do not count.
pub fn is_installed(status: &str) -> bool {
    let mut words = status.split_whitespace();
    let ok = words.clone().any(|w| w == "ok");
    ok && words.any(|w| w == "installed")
}

/// Splits a `Source:` value, `name` or `name (version)`, into its name and optional
/// version.
pub fn parse_source(field: &str) -> (&str, Option<&str>) {
    let field = field.trim();
    match field.split_once('(') {
        Some((name, rest)) => {
            let version = rest.split_once(')').map_or(rest, |(v, _)| v).trim();
            (name.trim(), (!version.is_empty()).then_some(version))
        }
        None => (field, None),
    }
}

/// Why a database could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DpkgError {
    /// A line that does not parse as RFC 822.
    Syntax(rfc822::Error),
    /// A record without `Package:` or `Version:`.
    MissingField { line: usize, field: &'static str },
}

impl fmt::Display for DpkgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DpkgError::Syntax(err) => err.fmt(f),
            DpkgError::MissingField { line, field } => {
                write!(f, "record at line {line} has no {field} field")
            }
        }
    }
}

impl std::error::Error for DpkgError {}

/// Reads one record. `Package` and `Version` are required.
pub fn package_from_paragraph<'a>(record: &Paragraph<'a>) -> Result<DpkgPackage<'a>, DpkgError> {
    let required = |field: &'static str| {
        record
            .get_cow(field)
            .filter(|v| !v.is_empty())
            .ok_or(DpkgError::MissingField {
                line: record.line(),
                field,
            })
    };
    let name = required("Package")?;
    let version = required("Version")?;
    let (source_name, source_version) = match record.get_cow("Source") {
        Some(source) if !source.trim().is_empty() => split_source(source, &version),
        _ => (name.clone(), version.clone()),
    };
    Ok(DpkgPackage {
        arch: record.get_cow("Architecture").unwrap_or_default(),
        status: record.get_cow("Status").unwrap_or_default(),
        name,
        version,
        source_name,
        source_version,
    })
}

/// The source name and version, borrowing from `source` when it is borrowed.
fn split_source<'a>(
    source: Cow<'a, str>,
    binary_version: &Cow<'a, str>,
) -> (Cow<'a, str>, Cow<'a, str>) {
    let own = |s: &str| Cow::Owned(s.to_string());
    match source {
        Cow::Borrowed(text) => {
            let (name, version) = parse_source(text);
            (
                Cow::Borrowed(name),
                version.map_or_else(|| binary_version.clone(), Cow::Borrowed),
            )
        }
        Cow::Owned(text) => {
            let (name, version) = parse_source(&text);
            (
                own(name),
                version.map_or_else(|| binary_version.clone(), own),
            )
        }
    }
}

/// What a whole database file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database<'a> {
    /// Every record, in file order (installed or not: filter with
    /// [`DpkgPackage::is_installed`] for a `status` file).
    Packages(Vec<DpkgPackage<'a>>),
    /// The file is a vcpkg `status` file, which shares the name and format but lists
    /// C++ ports, not Debian packages.
    Vcpkg,
}

/// Fields that only vcpkg writes into its `status` file.
const VCPKG_FIELDS: [&str; 3] = ["Port-Version", "Default-Features", "Feature"];

/// Parses a `status` or `status.d/*` file. Records that dpkg does not consider installed
/// may lack a version (e.g. `purge ok not-installed`), so only records that are installed
/// or have no `Status:` at all must carry `Package` and `Version`.
pub fn parse_database(text: &str) -> Result<Database<'_>, DpkgError> {
    let mut packages = Vec::new();
    for record in rfc822::paragraphs(text) {
        let record = record.map_err(DpkgError::Syntax)?;
        match package_from_paragraph(&record) {
            Ok(package) => packages.push(package),
            Err(_) if VCPKG_FIELDS.iter().any(|f| record.contains(f)) => {
                return Ok(Database::Vcpkg);
            }
            Err(_) if record.get("Status").is_some_and(|s| !is_installed(s)) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(Database::Packages(packages))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Records copied from a Debian 12 /var/lib/dpkg/status (Description shortened).
    const STATUS: &str = "\
Package: bsdutils
Status: install ok installed
Priority: required
Section: utils
Installed-Size: 335
Maintainer: util-linux packagers <util-linux@packages.debian.org>
Architecture: amd64
Multi-Arch: foreign
Source: util-linux (2.38.1-5+deb12u3)
Version: 1:2.38.1-5+deb12u3
Replaces: bash-completion (<< 1:2.8)
Recommends: bash-completion
Breaks: bash-completion (<< 1:2.8)
Description: basic utilities from 4.4BSD-Lite
 This package contains the bare minimum of BSD utilities needed for a
 Debian system: logger, renice, script, scriptlive, scriptreplay and wall.
Homepage: https://www.kernel.org/pub/linux/utils/util-linux/

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12987
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u14
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: tzdata
Status: install ok installed
Priority: required
Section: localization
Installed-Size: 3158
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: all
Multi-Arch: foreign
Version: 2025b-0+deb12u2
Provides: tzdata-bookworm
Depends: debconf (>= 0.5) | debconf-2.0
Description: time zone and daylight-saving time data
 This package contains data required for the implementation of
 standard local time for many representative locations around the globe.
Homepage: https://www.iana.org/time-zones
";

    fn packages(text: &str) -> Vec<DpkgPackage<'_>> {
        match parse_database(text).expect("parses") {
            Database::Packages(packages) => packages,
            Database::Vcpkg => panic!("not vcpkg"),
        }
    }

    #[test]
    fn reads_binary_and_source_fields() {
        let all = packages(STATUS);
        assert_eq!(all.len(), 3);
        let bsdutils = &all[0];
        assert_eq!(bsdutils.name, "bsdutils");
        assert_eq!(bsdutils.version, "1:2.38.1-5+deb12u3");
        assert_eq!(bsdutils.arch, "amd64");
        assert_eq!(
            (
                bsdutils.source_name.as_ref(),
                bsdutils.source_version.as_ref()
            ),
            ("util-linux", "2.38.1-5+deb12u3")
        );
        assert!(bsdutils.is_installed());
    }

    #[test]
    fn source_without_version_takes_the_binary_version() {
        let libc = &packages(STATUS)[1];
        assert_eq!(
            (libc.source_name.as_ref(), libc.source_version.as_ref()),
            ("glibc", "2.36-9+deb12u14")
        );
    }

    #[test]
    fn missing_source_defaults_to_the_binary_itself() {
        let tzdata = &packages(STATUS)[2];
        assert_eq!(
            (tzdata.source_name.as_ref(), tzdata.source_version.as_ref()),
            ("tzdata", "2025b-0+deb12u2")
        );
        assert_eq!(tzdata.arch, "all");
    }

    #[test]
    fn parsed_fields_borrow_from_the_input() {
        let libc = &packages(STATUS)[1];
        assert!(matches!(libc.name, Cow::Borrowed(_)));
        assert!(matches!(libc.source_name, Cow::Borrowed(_)));
    }

    #[test]
    fn parse_source_forms() {
        assert_eq!(parse_source("glibc"), ("glibc", None));
        assert_eq!(
            parse_source("util-linux (2.38.1-5+deb12u3)"),
            ("util-linux", Some("2.38.1-5+deb12u3"))
        );
        assert_eq!(
            parse_source("  libcap2 (1:2.66-4+deb12u2) "),
            ("libcap2", Some("1:2.66-4+deb12u2"))
        );
        assert_eq!(parse_source("broken (1.0"), ("broken", Some("1.0")));
        assert_eq!(parse_source("empty ()"), ("empty", None));
    }

    #[test]
    fn installed_needs_ok_and_installed_as_whole_words() {
        assert!(is_installed("install ok installed"));
        assert!(is_installed("hold ok installed"));
        assert!(!is_installed("deinstall ok config-files"));
        assert!(!is_installed("purge ok not-installed"));
        assert!(!is_installed("install ok half-installed"));
        assert!(!is_installed("install reinstreq installed"));
        assert!(!is_installed(""));
    }

    #[test]
    fn not_installed_records_may_lack_a_version() {
        let text = "Package: gone\nStatus: purge ok not-installed\nPriority: optional\n\nPackage: kept\nStatus: install ok installed\nVersion: 1\n";
        let all = packages(text);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].name, "kept");
    }

    #[test]
    fn installed_record_without_version_is_an_error() {
        let text = "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\n";
        assert_eq!(
            parse_database(text),
            Err(DpkgError::MissingField {
                line: 5,
                field: "Version"
            })
        );
    }

    #[test]
    fn distroless_records_without_status_need_package_and_version() {
        assert!(matches!(
            parse_database("Version: 1\nArchitecture: amd64\n"),
            Err(DpkgError::MissingField {
                field: "Package",
                ..
            })
        ));
    }

    #[test]
    fn vcpkg_status_files_are_recognised() {
        let text = "Package: zlib\nVersion: 1.2.13\nPort-Version: 1\nArchitecture: x64-linux\nStatus: install ok installed\n\nPackage: fmt\nFeature: core\nArchitecture: x64-linux\nStatus: install ok installed\n";
        assert_eq!(parse_database(text), Ok(Database::Vcpkg));
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(
            matches!(parse_database("Package: a\nnonsense\n"), Err(DpkgError::Syntax(e)) if e.line == 2)
        );
    }
}
