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
