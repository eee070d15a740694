//! Matcher for Red Hat Enterprise Linux: rpm records against Red Hat's advisories, which
//! say which product CPE they cover. Clair's `rhel`.
//!
//! A record from a RHEL content set (repository key `rhel-cpe-repository`) is covered
//! when the advisory's product CPE covers the content set's CPE, as in Clair. Scry's rpm
//! scanner names no content sets, so a record of a RHEL distribution without any
//! repository is covered when the advisory's product is the same vendor, product and
//! major release as the distribution's CPE (`cpe:/a:redhat:enterprise_linux:9::appstream`
//! covers a RHEL 9 image, a RHEL 8 CPE does not).

use scry_sdk::cpe::Cpe;
use scry_sdk::matcher::{
    Distribution, IndexRecord, MatchConstraint, MatchError, Matcher, MatcherInfo, Vulnerability,
    arch_op, bad_version,
};
use scry_sdk::matching::{RpmVulnerability, rpm_rule};
use scry_sdk::version::Rpm;

/// Bump whenever the same inputs would yield different verdicts.
const VERSION: &str = "2";

const REPOSITORY_KEY: &str = "rhel-cpe-repository";
const DID: &str = "rhel";

pub struct RhelMatcher;

/// The record's RHEL content set, if it names one.
fn content_set(record: &IndexRecord) -> Option<&scry_sdk::matcher::Repository> {
    record
        .repository
        .as_ref()
        .filter(|r| r.key == REPOSITORY_KEY)
}

/// A package of a RHEL image that no other ecosystem claims: language packages carry
/// their own repository (`pypi`, `maven`, …), rpm packages none.
fn rhel_package(record: &IndexRecord) -> bool {
    record.repository.is_none() && record.distribution.as_ref().is_some_and(|d| d.did == DID)
}

impl Matcher for RhelMatcher {
    fn info() -> MatcherInfo {
        MatcherInfo::new("rhel", VERSION)
    }

    /// No repository key: a distribution record has no repository, so the key is
    /// checked in [`covers`] instead.
    fn query() -> Vec<MatchConstraint> {
        vec![
            MatchConstraint::PackageName,
            MatchConstraint::SourceName,
            MatchConstraint::PackageModule,
        ]
    }

    fn handles(record: &IndexRecord) -> bool {
        content_set(record).is_some() || rhel_package(record)
    }

    /// The advisory's product must cover the record's content set or release; then the
    /// rpm rule (EVR below the fix, architecture test).
    fn verdict(record: &IndexRecord, vuln: &Vulnerability) -> Result<bool, MatchError> {
        if !covers(record, vuln) {
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
    }
}

/// Whether a Red Hat advisory (repository key `rhel-cpe-repository`, product CPE as the
/// repository name) applies to the record.
fn covers(record: &IndexRecord, vuln: &Vulnerability) -> bool {
    let Some(product) = vuln.repository.as_ref().filter(|r| r.key == REPOSITORY_KEY) else {
        return false;
    };
    if let Some(repository) = content_set(record) {
        let ours = if repository.cpe.is_empty() {
            &repository.name
        } else {
            &repository.cpe
        };
        return covers_repository(&product.name, ours);
    }
    match &record.distribution {
        Some(distribution) if rhel_package(record) => same_release(&product.name, distribution),
        _ => false,
    }
}

/// The product CPE is a superset of the content set's CPE, or a prefix of it once
/// trailing `:*` wildcards are dropped.
fn covers_repository(product: &str, ours: &str) -> bool {
    let prefix = trim_wildcards(product);
    if !prefix.is_empty() && ours.starts_with(prefix) {
        return true;
    }
    match (Cpe::parse(product), Cpe::parse(ours)) {
        (Some(product), Some(repository)) => product.is_superset_of(&repository),
        _ => false,
    }
}

/// The product CPE names the distribution's vendor and product and, unless it leaves
/// the version open, its major release. The distribution's CPE may be in either
/// binding (`cpe:2.3:o:redhat:enterprise_linux:9:*:…` from `etc/redhat-release`,
/// `cpe:/o:redhat:enterprise_linux:9::baseos` from os-release); without one, a RHEL
/// distribution's version stands for it.
fn same_release(product: &str, distribution: &Distribution) -> bool {
    let Some(theirs) = release(product) else {
        return false;
    };
    let ours = release(&distribution.cpe).or_else(|| {
        let version = [&distribution.version_id, &distribution.version]
            .into_iter()
            .find(|v| !v.is_empty())?;
        (distribution.did == DID).then(|| Release {
            vendor: "redhat".into(),
            product: "enterprise_linux".into(),
            major: Some(major(version).to_string()),
        })
    });
    let Some(ours) = ours.filter(|r| r.major.is_some()) else {
        return false;
    };
    theirs.vendor == ours.vendor
        && theirs.product == ours.product
        && (theirs.major.is_none() || theirs.major == ours.major)
}

/// Vendor, product and major version of a CPE; `major` is `None` when the CPE leaves
/// the version open.
#[derive(Debug, PartialEq)]
struct Release {
    vendor: String,
    product: String,
    major: Option<String>,
}

/// Reads either binding; `None` for anything else or an open vendor or product.
fn release(cpe: &str) -> Option<Release> {
    let rest = cpe
        .strip_prefix("cpe:2.3:")
        .or_else(|| cpe.strip_prefix("cpe:/"))?;
    let mut fields = rest.split(':').skip(1); // the part: `o` or `a`
    let concrete = |v: &&str| !matches!(*v, "" | "*" | "-");
    let vendor = fields.next().filter(concrete)?.to_ascii_lowercase();
    let product = fields.next().filter(concrete)?.to_ascii_lowercase();
    let major = fields.next().filter(concrete).map(|v| major(v).to_string());
    Some(Release {
        vendor,
        product,
        major,
    })
}

/// `9.2` → `9`.
fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
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
    use scry_sdk::matcher::{ArchOp, Candidate, Package, Repository};

    const BASEOS: &str = "cpe:/o:redhat:enterprise_linux:9::baseos";

    fn record(version: &str, arch: &str, repo_cpe: &str) -> IndexRecord {
        IndexRecord::of(Package::binary("openssl-libs", version).with_arch(arch))
            .in_repository(Repository::new(repo_cpe, REPOSITORY_KEY, "", repo_cpe))
    }

    fn vuln(product: &str, fixed: &str, arch: &str, op: Option<ArchOp>) -> Vulnerability {
        let mut v = Vulnerability::new("CVE-2024-0727", fixed);
        v.package = Some(Package::binary("openssl-libs", "").with_arch(arch));
        v.repository = Some(Repository::new(product, REPOSITORY_KEY, "", ""));
        v.arch_op = op;
        v
    }

    fn verdict(record: IndexRecord, vulnerability: Vulnerability) -> Result<bool, MatchError> {
        let candidate = Candidate::new(0, vulnerability);
        RhelMatcher::vulnerable(vec![record], vec![candidate]).map(|v| v[0])
    }

    /// A RHEL 9 image as Scry indexes it: the distribution from os-release or
    /// `etc/redhat-release`, no repository.
    fn image_record(version: &str, dist_cpe: &str) -> IndexRecord {
        let package = Package::binary("openssl-libs", version).with_arch("x86_64");
        let distribution = Distribution {
            cpe: dist_cpe.into(),
            ..Distribution::new(DID, "Red Hat Enterprise Linux", "9.2")
        };
        IndexRecord::of(package).in_distribution(distribution)
    }

    #[test]
    fn filters_rhel_content_sets_and_rhel_rpms() {
        let mut other = record("1-1", "x86_64", BASEOS);
        other.repository.as_mut().unwrap().key = "rhcc-container-repository".into();
        let image = image_record("1-1", BASEOS);
        // A PyPI package on a RHEL image belongs to the python matcher.
        let mut python = image_record("2.31.0", BASEOS);
        python.repository = Some(Repository::new("pypi", "", "https://pypi.org/simple", ""));
        let mut debian = image_record("1-1", "");
        debian.distribution.as_mut().unwrap().did = "debian".into();
        assert_eq!(
            RhelMatcher::filter(vec![
                record("1-1", "x86_64", BASEOS),
                other,
                image,
                python,
                debian
            ]),
            [true, false, true, false, false]
        );
    }

    #[test]
    fn distribution_cpe_at_the_major_release() {
        let fixed = "1:3.0.7-25.el9_3";
        let old = "1:3.0.7-24.el9";
        let formatted = "cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*";
        let formatted_baseos = "cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*";
        for dist_cpe in [BASEOS, formatted, formatted_baseos, ""] {
            let on = || image_record(old, dist_cpe);
            for (product, expected) in [
                (BASEOS, true),
                ("cpe:/a:redhat:enterprise_linux:9::appstream", true),
                ("cpe:/o:redhat:enterprise_linux:9", true),
                (
                    "cpe:2.3:a:redhat:enterprise_linux:9:*:appstream:*:*:*:*:*",
                    true,
                ),
                ("cpe:/o:redhat:enterprise_linux", true),
                ("cpe:/o:redhat:enterprise_linux:8::baseos", false),
                ("cpe:/a:redhat:enterprise_linux:8::appstream", false),
                ("cpe:/a:redhat:openshift:4.14::el9", false),
                ("not a cpe", false),
            ] {
                assert_eq!(
                    verdict(on(), vuln(product, fixed, "", None)).ok(),
                    Some(expected),
                    "{product} on {dist_cpe:?}"
                );
            }
            // The product matches; the rpm rule still decides.
            assert_eq!(verdict(on(), vuln(BASEOS, old, "", None)).ok(), Some(false));
        }
        // A RHEL 8 image is not covered by RHEL 9 advisories.
        let el8 = image_record(old, "cpe:/o:redhat:enterprise_linux:8::baseos");
        assert_eq!(
            verdict(el8, vuln(BASEOS, fixed, "", None)).ok(),
            Some(false)
        );
    }

    #[test]
    fn only_red_hat_advisories_apply() {
        // The same package name from another feed (no rhel-cpe-repository key) is no
        // candidate's business here, whatever its version says.
        let mut debian = vuln(BASEOS, "1:3.0.7-25.el9_3", "", None);
        debian.repository = None;
        let mut pypi = vuln(BASEOS, "fixed=9", "", None);
        pypi.repository = Some(Repository::new("pypi", "", "https://pypi.org/simple", ""));
        for other in [debian, pypi] {
            assert_eq!(
                verdict(image_record("1:3.0.7-24.el9", BASEOS), other.clone()).ok(),
                Some(false)
            );
            assert_eq!(
                verdict(record("1:3.0.7-24.el9", "x86_64", BASEOS), other).ok(),
                Some(false)
            );
        }
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
