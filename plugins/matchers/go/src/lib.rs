//! Go modules (from Go binaries' build info) against OSV's Go advisories, in
//! semantic-version order. Clair's `gobin`.

use scry_sdk::matcher::{IndexRecord, repository_name};
use scry_sdk::version::Semver;

scry_sdk::osv_matcher! {
    GoMatcher { name: "gobin", version: "1", repository: "go", ordering: Semver,
        in_ecosystem: versioned_module, version_of: without_go_prefix }
}

/// A Go module with a version: a main module built from a checkout is `(devel)`,
/// which Clair calls unmatchable.
fn versioned_module(record: &IndexRecord) -> bool {
    let uri = record.repository.as_ref().map(|r| r.uri.as_str());
    let from_go = repository_name(record) == "go" || uri == Some("https://pkg.go.dev/");
    from_go && record.package.version != "(devel)"
}

/// The toolchain reports the standard library as `go1.22.1`; advisories say `1.22.1`.
fn without_go_prefix(version: &str) -> &str {
    version.strip_prefix("go").unwrap_or(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::testing::{osv_record, verdict};
    use scry_sdk::matcher::{Matcher, Package, Repository};

    #[test]
    fn devel_main_modules_and_other_ecosystems_are_not_judged() {
        let by_uri = IndexRecord::of(Package::binary("a", "v1.0.0"))
            .in_repository(Repository::new("", "", "https://pkg.go.dev/", ""));
        let devel = IndexRecord::of(Package::binary("main", "(devel)"))
            .in_repository(Repository::named("go"));
        let npm = osv_record("left-pad", "npm");
        assert_eq!(
            GoMatcher::filter(vec![by_uri, devel, npm]),
            [true, false, false]
        );
    }

    #[test]
    fn pseudo_versions_and_the_toolchain() {
        let net = osv_record("golang.org/x/net", "go");
        let judge = |version, bounds| verdict::<GoMatcher>(&net, version, bounds);
        let pseudo = "v0.0.0-20231010120000-abcdefabcdef";
        assert_eq!(judge(pseudo, "introduced=0&fixed=0.23.0"), Ok(true));
        assert_eq!(
            judge("go1.22.1", "introduced=1.22.0&fixed=1.22.2"),
            Ok(true)
        );
        assert!(judge("v1", "fixed=0.23.0").is_err());
    }
}
