//! Helpers for a matcher's unit tests (native `cargo test`): build a record, judge it
//! against one fixed-in version through the same `filter` and `vulnerable` calls the
//! host makes.

use super::{Candidate, IndexRecord, MatchError, Matcher, Vulnerability};
use crate::types::{Distribution, Package, Repository};

/// A language package `name` from `repository` (`"npm"`, `"pypi"`, …).
pub fn osv_record(name: &str, repository: &str) -> IndexRecord {
    IndexRecord::of(Package::binary(name, "")).in_repository(Repository::named(repository))
}

/// A binary package `name` built from `source`, in the distribution
/// `(os-release ID, NAME, VERSION_ID)`.
pub fn distro_record(
    name: &str,
    source: &str,
    (did, os, release): (&str, &str, &str),
) -> IndexRecord {
    IndexRecord::of(Package::binary(name, "").with_source(source, ""))
        .in_distribution(Distribution::new(did, os, release))
}

/// `record` at `version` judged against a vulnerability (`CVE-0000-0000`) fixed in
/// `fixed_in_version`. Panics if `M` does not handle the record: a test of a verdict
/// on a record the host would never send is a mistake.
pub fn verdict<M: Matcher>(
    record: &IndexRecord,
    version: &str,
    fixed_in_version: &str,
) -> Result<bool, MatchError> {
    let mut record = record.clone();
    record.package.version = version.into();
    if let Some(source) = &mut record.package.source {
        source.version = version.into();
    }
    let handled = M::filter(vec![record.clone()]);
    assert_eq!(
        handled,
        [true],
        "{} does not handle {record:?}",
        M::info().name
    );
    let candidate = Candidate::new(0, Vulnerability::new("CVE-0000-0000", fixed_in_version));
    let verdicts = M::vulnerable(vec![record], vec![candidate])?;
    assert_eq!(verdicts.len(), 1, "one verdict per candidate");
    Ok(verdicts[0])
}

/// Every version in `affected` is affected by a vulnerability fixed in
/// `fixed_in_version`, and none in `unaffected` is; panics naming the first that is not.
pub fn check<M: Matcher>(
    record: &IndexRecord,
    fixed_in_version: &str,
    affected: &[&str],
    unaffected: &[&str],
) {
    let expected = affected.iter().map(|v| (v, true));
    for (version, want) in expected.chain(unaffected.iter().map(|v| (v, false))) {
        let got = verdict::<M>(record, version, fixed_in_version);
        assert_eq!(got, Ok(want), "{version} against {fixed_in_version:?}");
    }
}
