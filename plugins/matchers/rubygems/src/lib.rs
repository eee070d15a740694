//! Matcher for Ruby gems against OSV's RubyGems advisories, whose
//! `fixed_in_version` is a query string of `Gem::Version` bounds. Clair's `ruby-gem`.

use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, bad_version,
    repository_name, verdicts,
};
use scry_sdk::matching::osv_range;
use scry_sdk::version::Gem;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

pub struct RubyGemsMatcher;

impl Matcher for RubyGemsMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "ruby-gem".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records
            .iter()
            .map(|r| repository_name(r) == "rubygems")
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
            osv_range::<Gem>(&record.package.version, &vuln.fixed_in_version)
                .map_err(|bad| bad_version(record, vuln, bad))
        })
    }
}

scry_sdk::export_matcher!(RubyGemsMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{Package, Repository, Vulnerability};

    fn record(version: &str, repository: &str) -> IndexRecord {
        IndexRecord {
            package: Package::new("rack", version),
            distribution: None,
            repository: Some(Repository::new(repository, "", "", "")),
        }
    }

    fn verdict(version: &str, fixed: &str) -> Result<bool, MatchError> {
        let candidate = Candidate {
            record: 0,
            vulnerability: Vulnerability::new("GHSA-22f2-v57c-j9cx", fixed),
        };
        RubyGemsMatcher::vulnerable(vec![record(version, "rubygems")], vec![candidate])
            .map(|v| v[0])
    }

    #[test]
    fn filters_rubygems_repository() {
        let records = vec![record("1", "rubygems"), record("1", "npm")];
        assert_eq!(RubyGemsMatcher::filter(records), [true, false]);
    }

    #[test]
    fn osv_query_strings_in_gem_order() {
        let bounds = "introduced=3.0.0&fixed=3.0.9.1";
        assert_eq!(verdict("3.0.9", bounds).ok(), Some(true));
        assert_eq!(verdict("3.0.9.1", bounds).ok(), Some(false));
        assert_eq!(verdict("3.0.0.beta1", bounds).ok(), Some(false));
        assert_eq!(verdict("3.0.9.1.rc1", bounds).ok(), Some(true));
        assert_eq!(verdict("2.2.8", bounds).ok(), Some(false));
        let Err(MatchError::BadVersion(e)) = verdict("3.0.", bounds) else {
            panic!("expected a bad-version error");
        };
        assert_eq!(e.version, "3.0.");
    }
}
