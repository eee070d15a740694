//! Matcher for Debian: records of a Debian distribution against the security
//! tracker's vulnerabilities, which name source packages. Clair's `debian-matcher`.

use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, bad_version,
    distribution_is, verdicts,
};
use scry_sdk::matching::{ZeroFixed, fixed_version};
use scry_sdk::version::Dpkg;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

pub struct DebianMatcher;

impl Matcher for DebianMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "debian-matcher".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records
            .iter()
            .map(|r| distribution_is(r, "debian", "Debian GNU/Linux"))
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
    /// vulnerability names the source package); a fix of `"0"` means never affected.
    fn vulnerable(
        records: Vec<IndexRecord>,
        candidates: Vec<Candidate>,
    ) -> Result<Vec<bool>, MatchError> {
        verdicts(&records, &candidates, |record, vuln| {
            fixed_version::<Dpkg>(
                &record.package.version,
                &vuln.fixed_in_version,
                ZeroFixed::NotAffected,
            )
            .map_err(|bad| bad_version(record, vuln, bad))
        })
    }
}

scry_sdk::export_matcher!(DebianMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{Distribution, Package, SourcePackage, Vulnerability};

    fn bookworm(name: &str, version: &str, source: &str) -> IndexRecord {
        let mut package = Package::new(name, version);
        package.source = Some(SourcePackage {
            name: source.into(),
            version: version.into(),
        });
        IndexRecord {
            package,
            distribution: Some(Distribution::new("debian", "Debian GNU/Linux", "12")),
            repository: None,
        }
    }

    fn candidate(fixed: &str) -> Candidate {
        Candidate {
            record: 0,
            vulnerability: Vulnerability::new("CVE-2024-0001", fixed),
        }
    }

    fn verdict(version: &str, fixed: &str) -> Result<bool, MatchError> {
        let records = vec![bookworm("libssl3", version, "openssl")];
        DebianMatcher::vulnerable(records, vec![candidate(fixed)]).map(|v| v[0])
    }

    #[test]
    fn filters_debian_only() {
        let mut ubuntu = bookworm("a", "1", "a");
        ubuntu.distribution = Some(Distribution::new("ubuntu", "Ubuntu", "22.04"));
        let mut by_name = bookworm("a", "1", "a");
        by_name.distribution = Some(Distribution::new("", "Debian GNU/Linux", "12"));
        let mut none = bookworm("a", "1", "a");
        none.distribution = None;
        assert_eq!(
            DebianMatcher::filter(vec![bookworm("a", "1", "a"), ubuntu, by_name, none]),
            [true, false, true, false]
        );
    }

    #[test]
    fn verdicts_follow_dpkg_order() {
        assert_eq!(
            verdict("3.0.11-1~deb12u2", "3.0.13-1~deb12u1").ok(),
            Some(true)
        );
        assert_eq!(
            verdict("3.0.13-1~deb12u1", "3.0.13-1~deb12u1").ok(),
            Some(false)
        );
        assert_eq!(
            verdict("3.0.14-1~deb12u1", "3.0.13-1~deb12u1").ok(),
            Some(false)
        );
        assert_eq!(verdict("3.0.11-1~deb12u2", "").ok(), Some(true));
        assert_eq!(verdict("3.0.11-1~deb12u2", "0").ok(), Some(false));
    }

    #[test]
    fn bad_versions_are_errors_naming_them() {
        let Err(MatchError::BadVersion(e)) = verdict("3.0.11-1", "not valid!") else {
            panic!("expected a bad-version error");
        };
        assert_eq!(e.version, "not valid!");
        assert_eq!(e.subject, "vulnerability CVE-2024-0001");
    }

    #[test]
    fn a_candidate_past_the_records_is_an_error() {
        let mut c = candidate("1");
        c.record = 3;
        assert!(DebianMatcher::vulnerable(vec![bookworm("a", "1", "a")], vec![c]).is_err());
    }
}
