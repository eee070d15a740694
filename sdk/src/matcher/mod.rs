//! The `matcher` world: a plugin that picks the index records it understands and decides,
//! with its own version ordering, which stored vulnerabilities affect them.

#[allow(unsafe_code, missing_docs, clippy::all)]
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "matcher-plugin",
        path: "wit",
        // One binding of the shared records for both worlds (see `crate::types`).
        with: { "scry:plugin/types@0.2.0": crate::types::bindings::scry::plugin::types },
        pub_export_macro: true,
        export_macro_name: "__scry_export_matcher_world",
        default_bindings_module: "scry_sdk::matcher::bindings",
        // Verdicts and errors compare in tests.
        additional_derives: [PartialEq, Eq],
    });
}

pub use crate::config::Config;
pub use crate::types::{Distribution, Package, PackageKind, Repository, Setting, SourcePackage};
pub use bindings::exports::scry::plugin::matcher::{
    ArchOp, Candidate, Guest as __Guest, IndexRecord, MatchConstraint, MatchError, MatcherInfo,
    VersionError, VersionRange, Vulnerability,
};

pub mod distro;
pub mod osv;
pub mod testing;
pub use distro::DistroMatcher;
pub use osv::OsvMatcher;

/// What a matcher plugin implements. Most matchers only say which records they
/// handle and judge one (record, vulnerability) pair at a time; `filter` and
/// `vulnerable` are built on those two. [`OsvMatcher`] and [`DistroMatcher`] implement
/// this trait from a short declaration.
pub trait Matcher {
    fn info() -> MatcherInfo;
    /// Checks the plugin's configuration block (called first in every instance but the
    /// one that asks `info`); an `Err` names what is wrong and makes the host refuse the
    /// plugin. The default accepts anything. Read the settings in the other calls with
    /// [`crate::config::current`].
    fn configure(_config: &Config) -> Result<(), String> {
        Ok(())
    }
    /// Fields a stored vulnerability must share with a record to be a candidate.
    fn query() -> Vec<MatchConstraint>;
    /// Does this matcher judge this record?
    fn handles(record: &IndexRecord) -> bool;
    /// Is `record` affected by `vulnerability` (a candidate the host found for it)?
    fn verdict(record: &IndexRecord, vulnerability: &Vulnerability) -> Result<bool, MatchError>;

    /// One flag per record: does this matcher handle it?
    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records.iter().map(Self::handles).collect()
    }
    /// One verdict per candidate; the first error ends the call.
    fn vulnerable(
        records: Vec<IndexRecord>,
        candidates: Vec<Candidate>,
    ) -> Result<Vec<bool>, MatchError> {
        verdicts(&records, &candidates, Self::verdict)
    }
}

/// The `Matcher` impl of a declared matcher: `$module::{query, handles, verdict}`
/// generic over the declaration trait `$declaration`.
#[doc(hidden)]
#[macro_export]
macro_rules! __declared_matcher {
    ($ty:ident, $module:ident, $declaration:ident) => {
        impl $crate::matcher::Matcher for $ty {
            fn info() -> $crate::matcher::MatcherInfo {
                use $crate::matcher::$declaration as _;
                $crate::matcher::MatcherInfo::new(Self::NAME, Self::VERSION)
            }
            fn query() -> ::std::vec::Vec<$crate::matcher::MatchConstraint> {
                $crate::matcher::$module::query::<Self>()
            }
            fn handles(record: &$crate::matcher::IndexRecord) -> bool {
                $crate::matcher::$module::handles::<Self>(record)
            }
            fn verdict(
                record: &$crate::matcher::IndexRecord,
                vulnerability: &$crate::matcher::Vulnerability,
            ) -> ::std::result::Result<bool, $crate::matcher::MatchError> {
                $crate::matcher::$module::verdict::<Self>(record, vulnerability)
            }
        }
    };
}

impl MatcherInfo {
    pub fn new(name: &str, version: &str) -> MatcherInfo {
        MatcherInfo {
            name: name.into(),
            version: version.into(),
        }
    }
}

impl IndexRecord {
    /// A record of `package` alone, with no distribution or repository.
    pub fn of(package: Package) -> IndexRecord {
        IndexRecord {
            package,
            distribution: None,
            repository: None,
        }
    }

    pub fn in_distribution(mut self, distribution: Distribution) -> IndexRecord {
        self.distribution = Some(distribution);
        self
    }

    pub fn in_repository(mut self, repository: Repository) -> IndexRecord {
        self.repository = Some(repository);
        self
    }
}

/// Exports a type implementing [`Matcher`] as the plugin's `matcher` interface.
#[macro_export]
macro_rules! export_matcher {
    ($ty:ident) => {
        impl $crate::matcher::__Guest for $ty {
            fn info() -> $crate::matcher::MatcherInfo {
                <$ty as $crate::matcher::Matcher>::info()
            }
            fn configure(
                settings: ::std::vec::Vec<$crate::matcher::Setting>,
            ) -> ::std::result::Result<(), ::std::string::String> {
                <$ty as $crate::matcher::Matcher>::configure($crate::config::__keep(settings))
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

impl Vulnerability {
    /// A vulnerability with only a name and a fixed-in version (tests, examples).
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

impl Candidate {
    /// `vulnerability` proposed for `records[record]`.
    pub fn new(record: u32, vulnerability: Vulnerability) -> Candidate {
        Candidate {
            record,
            vulnerability,
        }
    }
}
