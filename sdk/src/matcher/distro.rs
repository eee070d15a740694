//! Distribution feeds as declarations: records of one distribution against
//! advisories keyed by source or binary package name, affected while the installed
//! version is below the fixed one.

use super::{IndexRecord, MatchConstraint, MatchError, Vulnerability, bad_version};
use crate::matching::{ZeroFixed, fixed_version};
use crate::version::VersionError;
use std::str::FromStr;

/// A distribution matcher; [`crate::distro_matcher!`] declares one in a line.
pub trait DistroMatcher {
    /// The matcher's name (Clair's: `debian-matcher`, `ubuntu-matcher`, …).
    const NAME: &'static str;
    /// Bump whenever the same inputs would yield different verdicts.
    const VERSION: &'static str;
    /// os-release `ID` of the distribution's records…
    const DID: &'static str;
    /// …or its `NAME`: either picks a record.
    const DISTRIBUTION_NAME: &'static str;
    /// The field that tells the distribution's releases apart in its feed.
    const RELEASE: MatchConstraint = MatchConstraint::DistributionVersionId;
    /// What a fixed version of `"0"` means in this feed.
    const ZERO_FIXED: ZeroFixed;
    /// A version the ordering rejects is an error (the default) or, as Clair treats
    /// Alpine's, not affected.
    const UNORDERABLE_IS_NOT_AFFECTED: bool = false;
    /// The distribution's version ordering.
    type Version: Ord + FromStr<Err = VersionError>;
}

pub fn handles<D: DistroMatcher>(record: &IndexRecord) -> bool {
    super::distribution_is(record, D::DID, D::DISTRIBUTION_NAME)
}

/// Candidates name the record's binary or source package, in the same release.
pub fn query<D: DistroMatcher>() -> Vec<MatchConstraint> {
    vec![
        MatchConstraint::PackageName,
        MatchConstraint::SourceName,
        MatchConstraint::DistributionDid,
        MatchConstraint::DistributionName,
        D::RELEASE,
    ]
}

/// Affected while the binary package's version is below the fix, even when the
/// advisory names the source package.
pub fn verdict<D: DistroMatcher>(
    record: &IndexRecord,
    vulnerability: &Vulnerability,
) -> Result<bool, MatchError> {
    let verdict = fixed_version::<D::Version>(
        &record.package.version,
        &vulnerability.fixed_in_version,
        D::ZERO_FIXED,
    );
    match verdict {
        Err(_) if D::UNORDERABLE_IS_NOT_AFFECTED => Ok(false),
        other => other.map_err(|bad| bad_version(record, vulnerability, bad)),
    }
}

/// Declares a distribution matcher in one item: the unit struct, its [`DistroMatcher`]
/// impl, its [`crate::matcher::Matcher`] impl and the component export.
///
/// ```ignore
/// scry_sdk::distro_matcher! {
///     DebianMatcher { name: "debian-matcher", version: "1", did: "debian",
///         os_name: "Debian GNU/Linux", zero_fixed: NotAffected, ordering: Dpkg }
/// }
/// ```
///
/// Optional keys after `ordering`: `release: <MatchConstraint variant>` and
/// `unorderable_is_not_affected: true`.
#[macro_export]
macro_rules! distro_matcher {
    ($ty:ident {
        name: $name:literal,
        version: $version:literal,
        did: $did:literal,
        os_name: $os_name:literal,
        zero_fixed: $zero:ident,
        ordering: $ordering:ty
        $(, release: $release:ident)?
        $(, unorderable_is_not_affected: $lenient:literal)?
        $(,)?
    }) => {
        pub struct $ty;
        impl $crate::matcher::DistroMatcher for $ty {
            const NAME: &'static str = $name;
            const VERSION: &'static str = $version;
            const DID: &'static str = $did;
            const DISTRIBUTION_NAME: &'static str = $os_name;
            const ZERO_FIXED: $crate::matching::ZeroFixed = $crate::matching::ZeroFixed::$zero;
            $(const RELEASE: $crate::matcher::MatchConstraint =
                $crate::matcher::MatchConstraint::$release;)?
            $(const UNORDERABLE_IS_NOT_AFFECTED: bool = $lenient;)?
            type Version = $ordering;
        }
        $crate::distro_matcher!($ty);
        $crate::export_matcher!($ty);
    };
    ($ty:ident) => {
        $crate::__declared_matcher!($ty, distro, DistroMatcher);
    };
}
