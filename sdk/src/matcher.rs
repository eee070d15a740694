//! The `matcher` world: a plugin that picks the index records it understands and decides,
//! with its own version ordering, which stored vulnerabilities affect them.

#[allow(unsafe_code, missing_docs, clippy::all)]
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "matcher-plugin",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "__scry_export_matcher_world",
        default_bindings_module: "scry_sdk::matcher::bindings",
    });
}

pub use bindings::exports::scry::plugin::matcher::{
    ArchOp, Candidate, Guest as __Guest, IndexRecord, MatchConstraint, MatchError, MatcherInfo,
    VersionError, VersionRange, Vulnerability,
};
pub use bindings::scry::plugin::types::{
    Distribution, Package, PackageKind, Repository, SourcePackage,
};

/// What a matcher plugin implements.
pub trait Matcher {
    fn info() -> MatcherInfo;
    /// One flag per record: does this matcher handle it?
    fn filter(records: Vec<IndexRecord>) -> Vec<bool>;
    /// Fields a stored vulnerability must share with a record to be a candidate.
    fn query() -> Vec<MatchConstraint>;
    /// One verdict per candidate.
    fn vulnerable(
        records: Vec<IndexRecord>,
        candidates: Vec<Candidate>,
    ) -> Result<Vec<bool>, MatchError>;
}

/// Exports a type implementing [`Matcher`] as the plugin's `matcher` interface.
#[macro_export]
macro_rules! export_matcher {
    ($ty:ident) => {
        impl $crate::matcher::__Guest for $ty {
            fn info() -> $crate::matcher::MatcherInfo {
                <$ty as $crate::matcher::Matcher>::info()
            }
            fn filter(
                records: ::std::vec::Vec<$crate::matcher::IndexRecord>,
            ) -> ::std::vec::Vec<bool> {
                <$ty as $crate::matcher::Matcher>::filter(records)
            }
            fn query() -> ::std::vec::Vec<$crate::matcher::MatchConstraint> {
                <$ty as $crate::matcher::Matcher>::query()
            }
            fn vulnerable(
                records: ::std::vec::Vec<$crate::matcher::IndexRecord>,
                candidates: ::std::vec::Vec<$crate::matcher::Candidate>,
            ) -> ::std::result::Result<::std::vec::Vec<bool>, $crate::matcher::MatchError> {
                <$ty as $crate::matcher::Matcher>::vulnerable(records, candidates)
            }
        }
        // Natively (plugin unit tests) the export symbols cannot link into a cdylib;
        // the bindings are only exported in the wasm build.
        #[cfg(target_arch = "wasm32")]
        $crate::matcher::bindings::__scry_export_matcher_world!($ty with_types_in $crate::matcher::bindings);
    };
}

/// The `bad-version` error for a rule's [`crate::matching::BadVersion`], naming the
/// package or the vulnerability the version belongs to.
pub fn bad_version(
    record: &IndexRecord,
    vulnerability: &Vulnerability,
    bad: crate::matching::BadVersion,
) -> MatchError {
    let subject = match bad.side {
        crate::matching::Side::Package => format!("package {}", record.package.name),
        crate::matching::Side::Vulnerability => format!("vulnerability {}", vulnerability.name),
    };
    MatchError::BadVersion(VersionError {
        subject,
        version: bad.error.input().to_owned(),
        reason: bad.error.to_string(),
    })
}

/// The record a candidate points at, or an error if the host sent a bad index.
pub fn record_of<'a>(
    records: &'a [IndexRecord],
    candidate: &Candidate,
) -> Result<&'a IndexRecord, MatchError> {
    records.get(candidate.record as usize).ok_or_else(|| {
        MatchError::Other(format!(
            "candidate {} points at record {} of {}",
            candidate.vulnerability.name,
            candidate.record,
            records.len()
        ))
    })
}

/// `ArchOp` as the shared rules spell it.
pub fn arch_op(op: Option<ArchOp>) -> Option<crate::matching::ArchOp> {
    op.map(|op| match op {
        ArchOp::Equals => crate::matching::ArchOp::Equals,
        ArchOp::NotEquals => crate::matching::ArchOp::NotEquals,
        ArchOp::PatternMatch => crate::matching::ArchOp::PatternMatch,
    })
}

/// One verdict per candidate from `verdict(record, vulnerability)`; the first error
/// ends the call.
pub fn verdicts(
    records: &[IndexRecord],
    candidates: &[Candidate],
    mut verdict: impl FnMut(&IndexRecord, &Vulnerability) -> Result<bool, MatchError>,
) -> Result<Vec<bool>, MatchError> {
    candidates
        .iter()
        .map(|candidate| verdict(record_of(records, candidate)?, &candidate.vulnerability))
        .collect()
}

/// Whether a record's distribution has this `did` or this `name` (how the
/// distribution matchers pick their records).
pub fn distribution_is(record: &IndexRecord, did: &str, name: &str) -> bool {
    record
        .distribution
        .as_ref()
        .is_some_and(|d| d.did == did || d.name == name)
}

/// The record's repository name, or `""`.
pub fn repository_name(record: &IndexRecord) -> &str {
    record.repository.as_ref().map_or("", |r| r.name.as_str())
}

// Constructors for tests and hosts-in-miniature: every field empty but the named ones.

impl Package {
    pub fn new(name: &str, version: &str) -> Package {
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
}

impl Distribution {
    pub fn new(did: &str, name: &str, version_id: &str) -> Distribution {
        Distribution {
            did: did.into(),
            name: name.into(),
            version: version_id.into(),
            version_code_name: String::new(),
            version_id: version_id.into(),
            arch: String::new(),
            cpe: String::new(),
            pretty_name: String::new(),
        }
    }
}

impl Repository {
    pub fn new(name: &str, key: &str, uri: &str, cpe: &str) -> Repository {
        Repository {
            name: name.into(),
            key: key.into(),
            uri: uri.into(),
            cpe: cpe.into(),
        }
    }
}

impl Vulnerability {
    pub fn new(name: &str, fixed_in_version: &str) -> Vulnerability {
        Vulnerability {
            id: String::new(),
            updater: String::new(),
            name: name.into(),
            description: String::new(),
            links: String::new(),
            severity: String::new(),
            normalized_severity: String::new(),
            package: None,
            distribution: None,
            repository: None,
            fixed_in_version: fixed_in_version.into(),
            range: None,
            arch_op: None,
        }
    }
}
