//! Matcher for Red Hat Enterprise Linux: records from a RHEL content set
//! (repository key `rhel-cpe-repository`) against Red Hat's advisories, which say
//! which product CPE they cover. Clair's `rhel`.

use scry_sdk::cpe::Cpe;
use scry_sdk::matcher::{
    Candidate, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, Vulnerability,
    arch_op, bad_version, verdicts,
};
use scry_sdk::matching::{RpmVulnerability, rpm_rule};
use scry_sdk::version::Rpm;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "1";

const REPOSITORY_KEY: &str = "rhel-cpe-repository";

pub struct RhelMatcher;

impl Matcher for RhelMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo {
            name: "rhel".into(),
            version: VERSION.into(),
        }
    }

    fn filter(records: Vec<IndexRecord>) -> Vec<bool> {
        records
            .iter()
            .map(|r| {
                r.repository
                    .as_ref()
                    .is_some_and(|r| r.key == REPOSITORY_KEY)
            })
            .collect()
    }

    fn query() -> Vec<MatchConstraint> {
        vec![
            MatchConstraint::PackageName,
            MatchConstraint::SourceName,
            MatchConstraint::PackageModule,
            MatchConstraint::RepositoryKey,
        ]
    }

    /// The advisory's product must cover the record's content set; then the rpm rule
    /// (EVR below the fix, architecture test).
    fn vulnerable(
        records: Vec<IndexRecord>,
        candidates: Vec<Candidate>,
    ) -> Result<Vec<bool>, MatchError> {
        verdicts(&records, &candidates, |record, vuln| {
            if !covers_repository(record, vuln) {
                return Ok(false);
            }
            let (version, arch) = vuln
                .package
                .as_ref()
                .map_or(("", ""), |p| (p.version.as_str(), p.arch.as_str()));
            let rule = RpmVulnerability {
                fixed_in_version: &vuln.fixed_in_version,
                package_version: version,
                arch,
                arch_op: arch_op(vuln.arch_op),
            };
            rpm_rule::<Rpm>(&record.package.version, &record.package.arch, rule)
                .map_err(|bad| bad_version(record, vuln, bad))
        })
    }
}

/// The vulnerability's repository is a RHEL product whose CPE (its name) is a
/// superset of the record repository's CPE, or a prefix of it once trailing `:*`
/// wildcards are dropped.
fn covers_repository(record: &IndexRecord, vuln: &Vulnerability) -> bool {
    let (Some(theirs), Some(ours)) = (&vuln.repository, &record.repository) else {
        return false;
    };
    if theirs.key != REPOSITORY_KEY {
        return false;
    }
    let ours = if ours.cpe.is_empty() {
        &ours.name
    } else {
        &ours.cpe
    };
    let prefix = trim_wildcards(&theirs.name);
    if !prefix.is_empty() && ours.starts_with(prefix) {
        return true;
    }
    match (Cpe::parse(&theirs.name), Cpe::parse(ours)) {
        (Some(product), Some(repository)) => product.is_superset_of(&repository),
        _ => false,
    }
}

fn trim_wildcards(mut cpe: &str) -> &str {
    while let Some(shorter) = cpe.strip_suffix(":*") {
        cpe = shorter;
    }
    cpe
}

scry_sdk::export_matcher!(RhelMatcher);

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::{ArchOp, Package, Repository};

    const BASEOS: &str = "cpe:/o:redhat:enterprise_linux:9::baseos";

    fn record(version: &str, arch: &str, repo_cpe: &str) -> IndexRecord {
        let mut package = Package::new("openssl-libs", version);
        package.arch = arch.into();
        IndexRecord {
            package,
            distribution: None,
            repository: Some(Repository::new(repo_cpe, REPOSITORY_KEY, "", repo_cpe)),
        }
    }

    fn vuln(product: &str, fixed: &str, arch: &str, op: Option<ArchOp>) -> Vulnerability {
        let mut v = Vulnerability::new("CVE-2024-0727", fixed);
        let mut package = Package::new("openssl-libs", "");
        package.arch = arch.into();
        v.package = Some(package);
        v.repository = Some(Repository::new(product, REPOSITORY_KEY, "", ""));
        v.arch_op = op;
        v
    }

    fn verdict(record: IndexRecord, vulnerability: Vulnerability) -> Result<bool, MatchError> {
        let candidate = Candidate {
            record: 0,
            vulnerability,
        };
        RhelMatcher::vulnerable(vec![record], vec![candidate]).map(|v| v[0])
    }

    #[test]
    fn filters_rhel_content_sets() {
        let mut other = record("1-1", "x86_64", BASEOS);
        other.repository.as_mut().unwrap().key = "rhcc-container-repository".into();
        assert_eq!(
            RhelMatcher::filter(vec![record("1-1", "x86_64", BASEOS), other]),
            [true, false]
        );
    }

    #[test]
    fn evr_and_cpe() {
        let el9 = "cpe:/o:redhat:enterprise_linux:9";
        let old = || record("1:3.0.7-24.el9", "x86_64", BASEOS);
        assert_eq!(
            verdict(old(), vuln(el9, "1:3.0.7-25.el9_3", "", None)).ok(),
            Some(true)
        );
        assert_eq!(
            verdict(old(), vuln(el9, "1:3.0.7-24.el9", "", None)).ok(),
            Some(false)
        );
        // The epoch decides before the version.
        assert_eq!(
            verdict(old(), vuln(el9, "3.0.9-1.el9", "", None)).ok(),
            Some(false)
        );
        // Another product's advisory does not apply.
        let el8 = "cpe:/o:redhat:enterprise_linux:8";
        assert_eq!(
            verdict(old(), vuln(el8, "1:3.0.7-25.el9_3", "", None)).ok(),
            Some(false)
        );
        // A 2.3 product CPE with wildcards, as a prefix of the record's.
        let wild = "cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*";
        let formatted = record(
            "1:3.0.7-24.el9",
            "x86_64",
            "cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*",
        );
        assert_eq!(
            verdict(formatted, vuln(wild, "1:3.0.7-25.el9", "", None)).ok(),
            Some(true)
        );
    }

    #[test]
    fn architecture() {
        let el9 = "cpe:/o:redhat:enterprise_linux:9";
        let on = |arch: &str| record("1:3.0.7-24.el9", arch, BASEOS);
        let pattern = Some(ArchOp::PatternMatch);
        let fixed = "1:3.0.7-25.el9";
        assert_eq!(
            verdict(on("x86_64"), vuln(el9, fixed, "aarch64|x86_64", pattern)).ok(),
            Some(true)
        );
        assert_eq!(
            verdict(on("s390x"), vuln(el9, fixed, "aarch64|x86_64", pattern)).ok(),
            Some(false)
        );
        assert_eq!(
            verdict(on("i686"), vuln(el9, fixed, "x86_64", Some(ArchOp::Equals))).ok(),
            Some(false)
        );
        assert_eq!(
            verdict(
                on("i686"),
                vuln(el9, fixed, "x86_64", Some(ArchOp::NotEquals))
            )
            .ok(),
            Some(true)
        );
        assert_eq!(
            verdict(on(""), vuln(el9, fixed, "x86_64", None)).ok(),
            Some(false)
        );
    }

    #[test]
    fn a_version_without_release_is_an_error() {
        let el9 = "cpe:/o:redhat:enterprise_linux:9";
        let Err(MatchError::BadVersion(e)) = verdict(
            record("3.0.7", "x86_64", BASEOS),
            vuln(el9, "1:3.0.7-25", "", None),
        ) else {
            panic!("expected a bad-version error");
        };
        assert_eq!(e.version, "3.0.7");
        assert_eq!(e.subject, "package openssl-libs");
    }
}
