//! Matcher for Java packages against OSV's Maven advisories, whose
//! `fixed_in_version` is a query string of Maven-ordered bounds. Clair's `java-maven`.

use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, bad_version,
    repository_name, verdicts,
};
use scry_sdk::matching::osv_range;
use scry_sdk::version::Maven;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

pub struct MavenMatcher;

impl Matcher for MavenMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "java-maven".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records
            .iter()
            .map(|r| repository_name(r) == "maven")
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
            osv_range::<Maven>(&record.package.version, &vuln.fixed_in_version)
                .map_err(|bad| bad_version(record, vuln, bad))
        })
    }
}

scry_sdk::export_matcher!(MavenMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{Package, Repository, Vulnerability};

    fn record(version: &str, repository: &str) -> IndexRecord {
        IndexRecord {
            package: Package::new("org.apache.logging.log4j:log4j-core", version),
            distribution: None,
            repository: Some(Repository::new(repository, "", "", "")),
        }
    }

    fn verdict(version: &str, fixed: &str) -> Result<bool, MatchError> {
        let candidate = Candidate {
            record: 0,
            vulnerability: Vulnerability::new("GHSA-jfh8-c2jp-5v3q", fixed),
        };
        MavenMatcher::vulnerable(vec![record(version, "maven")], vec![candidate]).map(|v| v[0])
    }

    #[test]
    fn filters_maven_repository() {
        let records = vec![record("1", "maven"), record("1", "pypi")];
        assert_eq!(MavenMatcher::filter(records), [true, false]);
    }

    #[test]
    fn osv_query_strings_in_maven_order() {
        let log4shell = "introduced=2.0-beta9&fixed=2.15.0";
        assert_eq!(verdict("2.14.1", log4shell).ok(), Some(true));
        assert_eq!(verdict("2.0-beta9", log4shell).ok(), Some(true));
        assert_eq!(verdict("2.0-alpha1", log4shell).ok(), Some(false));
        assert_eq!(verdict("2.15.0", log4shell).ok(), Some(false));
        assert_eq!(verdict("2.15.0-rc1", log4shell).ok(), Some(true));
        assert_eq!(verdict("2.15", log4shell).ok(), Some(false));
        assert!(verdict("", log4shell).is_err());
    }
}
