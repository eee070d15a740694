//! The records both worlds share (`scry:plugin/types`), bound once: a scanner and a
//! matcher see the same `Package`, `Distribution`, `Repository` types, and the
//! constructors below work in either, and natively in a plugin's unit tests.

#[allow(unsafe_code, missing_docs, clippy::all)]
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        // A world that only names the shared interface: the scanner and matcher
        // bindings reuse these types (`with`) instead of binding their own copies.
        inline: "
            package scry:sdk-types;
            world shared-types { import scry:plugin/types@0.2.0; }
        ",
        path: "wit",
        world: "scry:sdk-types/shared-types",
        generate_all,
        generate_unused_types: true,
        additional_derives: [PartialEq, Eq],
    });
}

pub use bindings::scry::plugin::types::{
    Distribution, FileError, Identity, Package, PackageKind, Repository, ScannerKind, Setting,
    SourcePackage,
};

impl Package {
    /// A binary package with every other field empty.
    pub fn binary(name: impl Into<String>, version: impl Into<String>) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            kind: PackageKind::Binary,
            source: None,
            arch: String::new(),
            package_db: String::new(),
            file_path: String::new(),
            module: String::new(),
            cpe: String::new(),
            repository_hint: String::new(),
        }
    }

    /// A source package (Clair lists those too, with kind `source`).
    pub fn source(name: impl Into<String>, version: impl Into<String>) -> Package {
        Package {
            kind: PackageKind::Source,
            ..Package::binary(name, version)
        }
    }

    /// The source package this binary package was built from.
    pub fn with_source(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.source = Some(SourcePackage {
            name: name.into(),
            version: version.into(),
        });
        self
    }

    pub fn with_arch(mut self, arch: impl Into<String>) -> Self {
        self.arch = arch.into();
        self
    }

    /// Where the package was found, e.g. `var/lib/dpkg/status` or `python:usr/lib/…`.
    pub fn with_package_db(mut self, package_db: impl Into<String>) -> Self {
        self.package_db = package_db.into();
        self
    }

    /// The file or directory that holds a language package, so a whiteout above it
    /// removes it.
    pub fn with_file_path(mut self, file_path: impl Into<String>) -> Self {
        self.file_path = file_path.into();
        self
    }

    pub fn with_module(mut self, module: impl Into<String>) -> Self {
        self.module = module.into();
        self
    }

    pub fn with_cpe(mut self, cpe: impl Into<String>) -> Self {
        self.cpe = cpe.into();
        self
    }

    pub fn with_repository_hint(mut self, hint: impl Into<String>) -> Self {
        self.repository_hint = hint.into();
        self
    }
}

impl Distribution {
    /// A distribution known by its os-release `ID`, `NAME` and `VERSION_ID` (also used
    /// as `version`); every other field empty.
    pub fn new(did: &str, name: &str, version_id: &str) -> Distribution {
        Distribution {
            did: did.into(),
            name: name.into(),
            version: version_id.into(),
            version_id: version_id.into(),
            ..Distribution::default()
        }
    }
}

// The type is generated; deriving would mean a bindgen option per record.
#[allow(clippy::derivable_impls)]
impl Default for Distribution {
    fn default() -> Self {
        Distribution {
            did: String::new(),
            name: String::new(),
            version: String::new(),
            version_code_name: String::new(),
            version_id: String::new(),
            arch: String::new(),
            cpe: String::new(),
            pretty_name: String::new(),
        }
    }
}

impl Repository {
    /// A repository known by its name alone (`"npm"`, `"pypi"`, `"maven"`, …).
    pub fn named(name: &str) -> Repository {
        Repository::new(name, "", "", "")
    }

    pub fn new(name: &str, key: &str, uri: &str, cpe: &str) -> Repository {
        Repository {
            name: name.into(),
            key: key.into(),
            uri: uri.into(),
            cpe: cpe.into(),
        }
    }
}

impl Identity {
    /// A package scanner's identity.
    pub fn package(name: &str, version: &str) -> Identity {
        Identity::new(name, version, ScannerKind::Package)
    }

    /// A distribution scanner's identity.
    pub fn distribution(name: &str, version: &str) -> Identity {
        Identity::new(name, version, ScannerKind::Distribution)
    }

    /// A repository scanner's identity.
    pub fn repository(name: &str, version: &str) -> Identity {
        Identity::new(name, version, ScannerKind::Repository)
    }

    pub fn new(name: &str, version: &str, kind: ScannerKind) -> Identity {
        Identity {
            name: name.into(),
            version: version.into(),
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_fill_only_what_they_name() {
        let p = Package::binary("libssl3", "3.0.11-1")
            .with_source("openssl", "3.0.11-1")
            .with_arch("amd64");
        assert_eq!(p.kind, PackageKind::Binary);
        assert_eq!(p.source.as_ref().map(|s| s.name.as_str()), Some("openssl"));
        assert_eq!((p.arch.as_str(), p.package_db.as_str()), ("amd64", ""));
        assert_eq!(Package::source("openssl", "3").kind, PackageKind::Source);
        let d = Distribution::new("debian", "Debian GNU/Linux", "12");
        assert_eq!((d.version.as_str(), d.version_id.as_str()), ("12", "12"));
        assert!(d.cpe.is_empty());
        assert_eq!(Repository::named("npm").name, "npm");
        assert_eq!(Identity::package("dpkg", "1").kind, ScannerKind::Package);
    }
}
