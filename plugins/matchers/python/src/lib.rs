//! Python distributions against OSV's PyPI advisories, in PEP 440 order. Clair's
//! `python`.

use scry_sdk::matcher::{IndexRecord, repository_name};
use scry_sdk::version::Pep440;

scry_sdk::osv_matcher! {
    PythonMatcher { name: "python", version: "1", repository: "pypi", ordering: Pep440,
        in_ecosystem: python_package }
}

/// What the Python scanner found (`python:<site dir>`) or what came from PyPI.
fn python_package(record: &IndexRecord) -> bool {
    record.package.package_db.starts_with("python:") || repository_name(record) == "pypi"
}

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::testing::{osv_record, verdict};
    use scry_sdk::matcher::{MatchError, Matcher, Package};

    #[test]
    fn site_packages_count_without_a_repository() {
        let site = Package::binary("requests", "2.31.0").with_package_db("python:usr/lib/python3");
        let deb =
            Package::binary("python3-requests", "2.28.1").with_package_db("var/lib/dpkg/status");
        let records = vec![IndexRecord::of(site), IndexRecord::of(deb)];
        assert_eq!(PythonMatcher::filter(records), [true, false]);
    }

    #[test]
    fn pep_440_quirks_and_errors() {
        let requests = osv_record("requests", "pypi");
        let judge = |version, bounds| verdict::<PythonMatcher>(&requests, version, bounds);
        assert_eq!(judge("2.31.0rc1", "fixed=2.31.0"), Ok(true));
        assert_eq!(judge("2.31.0.post1", "lastAffected=2.31.0"), Ok(false));
        let Err(MatchError::BadVersion(e)) = judge("not-pep-440!", "fixed=1") else {
            panic!("expected a bad-version error");
        };
        assert_eq!(
            (e.version.as_str(), e.subject.as_str()),
            ("not-pep-440!", "package requests")
        );
    }
}
