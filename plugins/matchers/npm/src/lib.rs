//! npm packages against OSV's npm advisories, in semantic-version order. Clair's
//! `nodejs`.

use scry_sdk::version::Semver;

scry_sdk::osv_matcher! {
    NpmMatcher { name: "nodejs", version: "1", repository: "npm", ordering: Semver }
}

#[test]
fn a_prerelease_of_the_fix_is_still_affected() {
    let lodash = scry_sdk::matcher::testing::osv_record("lodash", "npm");
    let verdict =
        |v| scry_sdk::matcher::testing::verdict::<NpmMatcher>(&lodash, v, "fixed=4.17.21");
    assert_eq!(
        (verdict("4.17.21-beta.1"), verdict("4.17.21")),
        (Ok(true), Ok(false))
    );
    assert!(verdict("4.17").is_err(), "two components are not semver");
}
