//! Matcher for Python packages against OSV's PyPI advisories, whose
//! `fixed_in_version` is a query string of PEP 440 bounds. Clair's `python`.

use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, bad_version,
    repository_name, verdicts,
};
use scry_sdk::matching::osv_range;
use scry_sdk::version::Pep440;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

pub struct PythonMatcher;

/// Packages the Python scanner found (`python:<site dir>`) or that came from PyPI.
fn is_python(record: &IndexRecord) -> bool {
    record.package.package_db.starts_with("python:") || repository_name(record) == "pypi"
}

impl Matcher for PythonMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "python".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records.iter().map(is_python).collect()
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
            osv_range::<Pep440>(&record.package.version, &vuln.fixed_in_version)
                .map_err(|bad| bad_version(record, vuln, bad))
        })
    }
}

scry_sdk::export_matcher!(PythonMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{Package, Repository, Vulnerability};

    fn record(version: &str) -> IndexRecord {
        let mut package = Package::new("requests", version);
        package.package_db = "python:usr/lib/python3/site-packages".into();
        IndexRecord {
            package,
            distribution: None,
            repository: Some(Repository::new("pypi", "", "https://pypi.org/simple", "")),
        }
    }

    fn verdict(version: &str, fixed: &str) -> Result<bool, MatchError> {
        let candidate = Candidate {
            record: 0,
            vulnerability: Vulnerability::new("GHSA-j8r2-6x86-q33q", fixed),
        };
        PythonMatcher::vulnerable(vec![record(version)], vec![candidate]).map(|v| v[0])
    }

    #[test]
    fn filters_python_packages() {
        let mut from_pypi = record("1");
        from_pypi.package.package_db = String::new();
        let mut other = record("1");
        other.package.package_db = "var/lib/dpkg/status".into();
        other.repository = None;
        assert_eq!(
            PythonMatcher::filter(vec![record("1"), from_pypi, other]),
            [true, true, false]
        );
    }

    #[test]
    fn osv_query_strings() {
        assert_eq!(
            verdict("2.30.0", "introduced=2.3.0&fixed=2.31.0").ok(),
            Some(true)
        );
        assert_eq!(
            verdict("2.31.0", "introduced=2.3.0&fixed=2.31.0").ok(),
            Some(false)
        );
        assert_eq!(
            verdict("2.2", "introduced=2.3.0&fixed=2.31.0").ok(),
            Some(false)
        );
        assert_eq!(verdict("2.31.0rc1", "fixed=2.31.0").ok(), Some(true));
        assert_eq!(
            verdict("2.31.0.post1", "lastAffected=2.31.0").ok(),
            Some(false)
        );
        assert_eq!(verdict("2.31.0", "lastAffected=2.31.0").ok(), Some(true));
        assert_eq!(verdict("1.0", "").ok(), Some(true));
    }

    #[test]
    fn bad_versions_are_errors_naming_them() {
        let Err(MatchError::BadVersion(e)) = verdict("not-pep-440!", "fixed=1") else {
            panic!("expected a bad-version error");
        };
        assert_eq!(e.version, "not-pep-440!");
        assert_eq!(e.subject, "package requests");
    }
}
