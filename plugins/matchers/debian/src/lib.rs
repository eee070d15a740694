//! Debian records against the security tracker's advisories (keyed by source
//! package), in dpkg order. Clair's `debian-matcher`. The tracker's fixed version
//! `"0"` means this release was never affected.

use scry_sdk::version::Dpkg;

scry_sdk::distro_matcher! {
    DebianMatcher { name: "debian-matcher", version: "1", did: "debian",
        os_name: "Debian GNU/Linux", zero_fixed: NotAffected, ordering: Dpkg }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scry_sdk::matcher::testing::{distro_record, verdict};
    use scry_sdk::matcher::{Candidate, IndexRecord, MatchError, Matcher, Vulnerability};

    fn libssl() -> IndexRecord {
        distro_record("libssl3", "openssl", ("debian", "Debian GNU/Linux", "12"))
    }

    #[test]
    fn picks_debian_by_id_or_name() {
        let by_name = distro_record("a", "a", ("", "Debian GNU/Linux", "12"));
        let ubuntu = distro_record("a", "a", ("ubuntu", "Ubuntu", "22.04"));
        assert_eq!(
            DebianMatcher::filter(vec![libssl(), by_name, ubuntu]),
            [true, true, false]
        );
    }

    #[test]
    fn tilde_backports_and_the_zero_fix() {
        let judge = |fixed| verdict::<DebianMatcher>(&libssl(), "3.0.11-1~deb12u2", fixed);
        assert_eq!(
            [judge("3.0.13-1~deb12u1"), judge("3.0.11-1")],
            [Ok(true), Ok(true)]
        );
        assert_eq!(
            [judge("3.0.11-1~deb12u1"), judge("0")],
            [Ok(false), Ok(false)]
        );
        let Err(MatchError::BadVersion(e)) = judge("not valid!") else {
            panic!("expected a bad-version error");
        };
        assert_eq!(e.subject, "vulnerability CVE-0000-0000");
    }

    #[test]
    fn a_candidate_past_the_records_is_an_error() {
        let stray = Candidate::new(3, Vulnerability::new("CVE-0000-0001", "1"));
        assert!(DebianMatcher::vulnerable(vec![libssl()], vec![stray]).is_err());
    }
}
