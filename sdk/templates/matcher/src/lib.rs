//! Judges Rust crates against OSV's crates.io advisories. Scry's OSV updater files
//! them under the repository `crates.io`, with `fixed_in_version` a query string of
//! the affected range (`introduced=1.0.0&fixed=1.2.3`); crates follow semantic
//! versioning. That is the whole matcher: a declaration.

use scry_sdk::version::Semver;

scry_sdk::osv_matcher! {
    CratesMatcher { name: "crates", version: "1", repository: "crates.io", ordering: Semver }
}

#[cfg(test)]
mod tests {
    use super::CratesMatcher;
    use scry_sdk::matcher::testing::{check, osv_record};
    use scry_sdk::matcher::{IndexRecord, Matcher, Package, Repository};

    #[test]
    fn judges_only_crates() {
        let npm = IndexRecord::of(Package::binary("time", "0.1.0"))
            .in_repository(Repository::named("npm"));
        assert_eq!(
            CratesMatcher::filter(vec![osv_record("time", "crates.io"), npm]),
            [true, false]
        );
    }

    /// RUSTSEC-2020-0071 (`time`): affected from 0.2.0 up to 0.2.23, and all of 0.1.
    #[test]
    fn semver_ranges() {
        let time = osv_record("time", "crates.io");
        check::<CratesMatcher>(
            &time,
            "introduced=0.2.0&fixed=0.2.23",
            &["0.2.0", "0.2.22"],
            &["0.1.45", "0.2.23"],
        );
        check::<CratesMatcher>(&time, "introduced=0&fixed=0.2.23", &["0.1.45"], &["0.3.0"]);
    }
}
