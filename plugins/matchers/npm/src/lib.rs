//! Matcher for npm packages against OSV's npm advisories: query strings of
//! semantic-version bounds. Clair's `nodejs`.

use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, bad_version,
    repository_name, verdicts,
};
use scry_sdk::matching::osv_range;
use scry_sdk::version::Semver;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

pub struct NpmMatcher;

impl Matcher for NpmMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "nodejs".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records
            .iter()
            .map(|r| repository_name(r) == "npm")
            .collect()
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
            osv_range::<Semver>(&record.package.version, &vuln.fixed_in_version)
                .map_err(|bad| bad_version(record, vuln, bad))
        })
    }
}

scry_sdk::export_matcher!(NpmMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{Package, Repository, Vulnerability};

    fn record(version: &str, repository: &str) -> IndexRecord {
        IndexRecord {
            package: Package::new("lodash", version),
            distribution: None,
            repository: Some(Repository::new(repository, "", "", "")),
        }
    }

    fn verdict(version: &str, fixed: &str) -> Result<bool, MatchError> {
        let candidate = Candidate {
            record: 0,
            vulnerability: Vulnerability::new("GHSA-35jh-r3h4-6jhm", fixed),
        };
        NpmMatcher::vulnerable(vec![record(version, "npm")], vec![candidate]).map(|v| v[0])
    }

    #[test]
    fn filters_npm_repository() {
        let records = vec![record("1.0.0", "npm"), record("1.0.0", "maven")];
        assert_eq!(NpmMatcher::filter(records), [true, false]);
    }

    #[test]
    fn semver_bounds() {
        let bounds = "introduced=0&fixed=4.17.21";
        assert_eq!(verdict("4.17.20", bounds).ok(), Some(true));
        assert_eq!(verdict("4.17.21", bounds).ok(), Some(false));
        assert_eq!(verdict("4.17.21-beta.1", bounds).ok(), Some(true));
        assert_eq!(
            verdict("5.0.0", "introduced=0&lastAffected=4.17.21").ok(),
            Some(false)
        );
        assert!(matches!(
            verdict("4.17", bounds),
            Err(MatchError::BadVersion(_))
        ));
    }
}
