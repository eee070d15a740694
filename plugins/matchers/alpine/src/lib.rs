//! Matcher for Alpine Linux: records of an Alpine distribution against secdb
//! vulnerabilities, which name source packages. Clair's `alpine-matcher`.

use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, distribution_is,
    verdicts,
};
use scry_sdk::matching::{ZeroFixed, fixed_version};
use scry_sdk::version::Apk;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

pub struct AlpineMatcher;

impl Matcher for AlpineMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "alpine-matcher".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records
            .iter()
            .map(|r| distribution_is(r, "alpine", "Alpine Linux"))
            .collect()
    }

    fn query() -> Vec<MatchConstraint> {
        vec![
            MatchConstraint::PackageName,
            MatchConstraint::SourceName,
            MatchConstraint::DistributionDid,
            MatchConstraint::DistributionName,
            MatchConstraint::DistributionPrettyName,
        ]
    }

    /// Affected while the package is below the fix; `"0"` means never affected. As
    /// in Clair, a version apk cannot order is "not affected", not an error.
    fn vulnerable(
        records: Vec<IndexRecord>,
        candidates: Vec<Candidate>,
    ) -> Result<Vec<bool>, MatchError> {
        verdicts(&records, &candidates, |record, vuln| {
            Ok(fixed_version::<Apk>(
                &record.package.version,
                &vuln.fixed_in_version,
                ZeroFixed::NotAffected,
            )
            .unwrap_or(false))
        })
    }
}

scry_sdk::export_matcher!(AlpineMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{Distribution, Package, Vulnerability};

    fn record(did: &str, name: &str) -> IndexRecord {
        IndexRecord {
            package: Package::new("musl", "1.2.4-r1"),
            distribution: Some(Distribution::new(did, name, "3.18.4")),
            repository: None,
        }
    }

    fn verdict(version: &str, fixed: &str) -> bool {
        let mut r = record("alpine", "Alpine Linux");
        r.package.version = version.into();
        let candidate = Candidate {
            record: 0,
            vulnerability: Vulnerability::new("CVE-2024-0003", fixed),
        };
        AlpineMatcher::vulnerable(vec![r], vec![candidate]).unwrap()[0]
    }

    #[test]
    fn filters_alpine_only() {
        let records = vec![
            record("alpine", ""),
            record("", "Alpine Linux"),
            record("debian", "Debian GNU/Linux"),
        ];
        assert_eq!(AlpineMatcher::filter(records), [true, true, false]);
    }

    #[test]
    fn verdicts_follow_apk_order() {
        assert!(verdict("1.2.4-r1", "1.2.4-r2"));
        assert!(verdict("1.2.4_rc1-r0", "1.2.4-r0"));
        assert!(!verdict("1.2.4-r2", "1.2.4-r2"));
        assert!(!verdict("1.2.5-r0", "1.2.4-r2"));
        assert!(verdict("1.2.4-r1", ""));
        assert!(!verdict("1.2.4-r1", "0"));
        assert!(!verdict("not!a!version", "1.2.4-r2"));
    }
}
