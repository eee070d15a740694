//! Version orderings, one module per scheme.
//!
//! Every scheme is a type that parses a version string ([`std::str::FromStr`] and a
//! `parse` constructor), orders versions the way the packaging tool itself does
//! ([`Ord`]), and prints the text it was parsed from ([`std::fmt::Display`]).
//!
//! Equality is the ordering's equality, not string equality: `1.0` and `1.00` are
//! equal Debian versions. None of the types implement `Hash` for that reason.
//!
//! The tests in `sdk/tests/version_oracles/` compare each ordering with the real tool
//! (dpkg, rpm, Python `packaging`, facts checked against apk-tools 3,
//! `semantic_version`, Maven's `ComparableVersion`, RubyGems' `Gem::Version`, PyPI
//! `univers`).

mod apk;
mod digits;
mod dpkg;
mod gem;
mod maven;
mod pep440;
mod rpm;
mod semver;

pub use apk::Apk;
pub use dpkg::Dpkg;
pub use gem::Gem;
pub use maven::Maven;
pub use pep440::Pep440;
pub use rpm::{Rpm, rpmvercmp};
pub use semver::Semver;

use std::fmt;

/// A version string that a scheme rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError {
    scheme: &'static str,
    input: String,
    reason: String,
}

impl VersionError {
    pub(crate) fn new(scheme: &'static str, input: &str, reason: impl Into<String>) -> Self {
        VersionError {
            scheme,
            input: input.to_owned(),
            reason: reason.into(),
        }
    }

    /// The scheme that rejected the string (`"dpkg"`, `"rpm"`, ...).
    pub fn scheme(&self) -> &'static str {
        self.scheme
    }

    /// The rejected string, as given.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Why the string was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} version {:?}: {}",
            self.scheme, self.input, self.reason
        )
    }
}

impl std::error::Error for VersionError {}

/// Implements `PartialEq`, `Eq` and `PartialOrd` on top of a type's `Ord`, so that
/// equality always agrees with the ordering.
macro_rules! order_by_cmp {
    ($ty:ty) => {
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }
        impl Eq for $ty {}
        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
    };
}
pub(crate) use order_by_cmp;
