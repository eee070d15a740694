//! Matcher for Ubuntu: records of an Ubuntu distribution against the OVAL
//! vulnerabilities, which name source packages. Clair's `ubuntu-matcher`.

use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, bad_version,
    distribution_is, verdicts,
};
use scry_sdk::matching::{ZeroFixed, fixed_version};
use scry_sdk::version::Dpkg;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

pub struct UbuntuMatcher;

impl Matcher for UbuntuMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "ubuntu-matcher".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records
            .iter()
            .map(|r| distribution_is(r, "ubuntu", "Ubuntu"))
            .collect()
    }

    fn query() -> Vec<MatchConstraint> {
        vec![
            MatchConstraint::PackageName,
            MatchConstraint::SourceName,
            MatchConstraint::DistributionDid,
            MatchConstraint::DistributionName,
            MatchConstraint::DistributionVersionId,
        ]
    }

    /// Affected while the binary package's version is below the fix (even when the
    /// vulnerability names the source package); a fix that parses as 0 means no fix yet.
    fn vulnerable(
        records: Vec<IndexRecord>,
        candidates: Vec<Candidate>,
    ) -> Result<Vec<bool>, MatchError> {
        verdicts(&records, &candidates, |record, vuln| {
            fixed_version::<Dpkg>(
                &record.package.version,
                &vuln.fixed_in_version,
                ZeroFixed::Affected,
            )
            .map_err(|bad| bad_version(record, vuln, bad))
        })
    }
}

scry_sdk::export_matcher!(UbuntuMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{Distribution, Package, SourcePackage, Vulnerability};

    fn jammy(name: &str, version: &str, source: &str) -> IndexRecord {
        let mut package = Package::new(name, version);
        package.source = Some(SourcePackage {
            name: source.into(),
            version: version.into(),
        });
        IndexRecord {
            package,
            distribution: Some(Distribution::new("ubuntu", "Ubuntu", "22.04")),
            repository: None,
        }
    }

    fn verdict(version: &str, fixed: &str) -> Result<bool, MatchError> {
        let candidate = Candidate {
            record: 0,
            vulnerability: Vulnerability::new("CVE-2024-0002", fixed),
        };
        UbuntuMatcher::vulnerable(vec![jammy("libssl3", version, "openssl")], vec![candidate])
            .map(|v| v[0])
    }

    #[test]
    fn filters_ubuntu_only() {
        let mut debian = jammy("a", "1", "a");
        debian.distribution = Some(Distribution::new("debian", "Debian GNU/Linux", "12"));
        let mut by_name = jammy("a", "1", "a");
        by_name.distribution = Some(Distribution::new("", "Ubuntu", "22.04"));
        assert_eq!(
            UbuntuMatcher::filter(vec![jammy("a", "1", "a"), debian, by_name]),
            [true, false, true]
        );
    }

    #[test]
    fn verdicts_follow_dpkg_order() {
        assert_eq!(
            verdict("3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12").ok(),
            Some(true)
        );
        assert_eq!(
            verdict("3.0.2-0ubuntu1.12", "3.0.2-0ubuntu1.12").ok(),
            Some(false)
        );
        assert_eq!(verdict("3.0.2-0ubuntu1.10", "").ok(), Some(true));
        // Unlike Debian, a fix of 0 is "not fixed yet".
        assert_eq!(verdict("3.0.2-0ubuntu1.10", "0").ok(), Some(true));
    }

    #[test]
    fn bad_versions_are_errors_naming_them() {
        let Err(MatchError::BadVersion(e)) = verdict("bad version", "1.0") else {
            panic!("expected a bad-version error");
        };
        assert_eq!(e.version, "bad version");
        assert_eq!(e.subject, "package libssl3");
    }
}
