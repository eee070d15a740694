//! OSV ecosystems as declarations: the OSV updater files each ecosystem's advisories
//! under a repository name, with `fixed_in_version` a query string of bounds; a matcher
//! for one ecosystem only names it and its version ordering.

use super::{IndexRecord, MatchConstraint, MatchError, Vulnerability, bad_version};
use crate::matching::osv_range;
use crate::version::VersionError;
use std::str::FromStr;

/// An OSV-ecosystem matcher; [`crate::osv_matcher!`] declares one in a line.
pub trait OsvMatcher {
    /// The matcher's name (Clair's, where Clair has one: `java-maven`, `nodejs`, …).
    const NAME: &'static str;
    /// Bump whenever the same inputs would yield different verdicts.
    const VERSION: &'static str;
    /// The repository name of this ecosystem's packages and advisories (`maven`, `npm`).
    const REPOSITORY: &'static str;
    /// The ecosystem's version ordering, from [`crate::version`] or your own.
    type Version: Ord + FromStr<Err = VersionError>;

    /// Which records are this ecosystem's packages: by default those whose repository
    /// is [`Self::REPOSITORY`].
    fn in_ecosystem(record: &IndexRecord) -> bool {
        super::repository_name(record) == Self::REPOSITORY
    }

    /// The version to order, from the package's version as the scanner reported it.
    fn version_of(package_version: &str) -> &str {
        package_version
    }
}

/// Records of `M`'s ecosystem.
pub fn handles<M: OsvMatcher>(record: &IndexRecord) -> bool {
    M::in_ecosystem(record)
}

/// Candidates share the record's package name and repository name.
pub fn query<M: OsvMatcher>() -> Vec<MatchConstraint> {
    vec![
        MatchConstraint::PackageName,
        MatchConstraint::RepositoryName,
    ]
}

/// The OSV range rule in `M`'s ordering; a version it cannot order is an error
/// naming it.
pub fn verdict<M: OsvMatcher>(
    record: &IndexRecord,
    vulnerability: &Vulnerability,
) -> Result<bool, MatchError> {
    let version = M::version_of(&record.package.version);
    osv_range::<M::Version>(version, &vulnerability.fixed_in_version)
        .map_err(|bad| bad_version(record, vulnerability, bad))
}

/// Declares an OSV-ecosystem matcher in one item: the unit struct, its [`OsvMatcher`]
/// impl, its [`crate::matcher::Matcher`] impl and the component export.
///
/// ```ignore
/// scry_sdk::osv_matcher! {
///     HexMatcher { name: "hex", version: "1", repository: "hex", ordering: Semver }
/// }
/// ```
///
/// Optional keys after `ordering`: `in_ecosystem: path::to::fn` (which records are the
/// ecosystem's, `fn(&IndexRecord) -> bool`) and `version_of: path::to::fn` (`fn(&str)
/// -> &str`). A type that implements [`OsvMatcher`] itself takes `osv_matcher!(Type)`
/// (the `Matcher` impl alone) and [`crate::export_matcher!`].
#[macro_export]
macro_rules! osv_matcher {
    ($ty:ident {
        name: $name:literal,
        version: $version:literal,
        repository: $repository:literal,
        ordering: $ordering:ty
        $(, in_ecosystem: $in_ecosystem:path)?
        $(, version_of: $version_of:path)?
        $(,)?
    }) => {
        pub struct $ty;
        impl $crate::matcher::OsvMatcher for $ty {
            const NAME: &'static str = $name;
            const VERSION: &'static str = $version;
            const REPOSITORY: &'static str = $repository;
            type Version = $ordering;
            $(fn in_ecosystem(record: &$crate::matcher::IndexRecord) -> bool {
                $in_ecosystem(record)
            })?
            $(fn version_of(version: &str) -> &str {
                $version_of(version)
            })?
        }
        $crate::osv_matcher!($ty);
        $crate::export_matcher!($ty);
    };
    ($ty:ident) => {
        $crate::__declared_matcher!($ty, osv, OsvMatcher);
    };
}
