//! Matcher for Go modules (from Go binaries' build info) against OSV's Go
//! advisories: query strings of semantic-version bounds. Clair's `gobin`.

use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, bad_version,
    repository_name, verdicts,
};
use scry_sdk::matching::osv_range;
use scry_sdk::version::Semver;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

pub struct GoMatcher;

fn is_go_module(record: &IndexRecord) -> bool {
    let from_go = repository_name(record) == "go"
        || record
            .repository
            .as_ref()
            .is_some_and(|r| r.uri == "https://pkg.go.dev/");
    // A main module built from a checkout has no version to compare (Clair calls
    // it unmatchable).
    from_go && record.package.version != "(devel)"
}

/// The toolchain reports the standard library as `go1.22.1`; advisories use `1.22.1`.
fn module_version(version: &str) -> &str {
    version.strip_prefix("go").unwrap_or(version)
}

impl Matcher for GoMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "gobin".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records.iter().map(is_go_module).collect()
    }

    fn query() -> Vec<MatchConstraint> {
        vec![
            MatchConstraint::PackageName,
            MatchConstraint::RepositoryName,
        ]
    }

    fn vulnerable(
        records: Vec<IndexRecord>,
        candidates: Vec<Candidate>,
    ) -> Result<Vec<bool>, MatchError> {
        verdicts(&records, &candidates, |record, vuln| {
            osv_range::<Semver>(
                module_version(&record.package.version),
                &vuln.fixed_in_version,
            )
            .map_err(|bad| bad_version(record, vuln, bad))
        })
    }
}

scry_sdk::export_matcher!(GoMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{Package, Repository, Vulnerability};

    fn record(name: &str, version: &str) -> IndexRecord {
        IndexRecord {
            package: Package::new(name, version),
            distribution: None,
            repository: Some(Repository::new("go", "", "https://pkg.go.dev/", "")),
        }
    }

    fn verdict(version: &str, fixed: &str) -> Result<bool, MatchError> {
        let candidate = Candidate {
            record: 0,
            vulnerability: Vulnerability::new("GO-2024-2687", fixed),
        };
        GoMatcher::vulnerable(vec![record("golang.org/x/net", version)], vec![candidate])
            .map(|v| v[0])
    }

    #[test]
    fn filters_versioned_go_modules() {
        let mut npm = record("left-pad", "1.0.0");
        npm.repository = Some(Repository::new("npm", "", "", ""));
        let records = vec![record("a", "v1.0.0"), record("main", "(devel)"), npm];
        assert_eq!(GoMatcher::filter(records), [true, false, false]);
    }

    #[test]
    fn semver_bounds() {
        let bounds = "introduced=0&fixed=0.23.0";
        assert_eq!(verdict("v0.22.0", bounds).ok(), Some(true));
        assert_eq!(verdict("v0.23.0", bounds).ok(), Some(false));
        assert_eq!(
            verdict("v0.0.0-20231010120000-abcdefabcdef", bounds).ok(),
            Some(true)
        );
        assert_eq!(
            verdict("go1.22.1", "introduced=1.22.0&fixed=1.22.2").ok(),
            Some(true)
        );
        assert!(matches!(
            verdict("v1", bounds),
            Err(MatchError::BadVersion(_))
        ));
    }
}
