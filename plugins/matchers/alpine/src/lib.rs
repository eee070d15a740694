//! Alpine records against secdb advisories (keyed by origin package), in apk order.
//! Clair's `alpine-matcher`. secdb names a release by its branch, which the updater
//! files as the pretty name; as in Clair, a version apk cannot order is "not
//! affected", not an error.

use scry_sdk::version::Apk;

scry_sdk::distro_matcher! {
    AlpineMatcher { name: "alpine-matcher", version: "2", did: "alpine", os_name: "Alpine Linux",
        zero_fixed: NotAffected, ordering: Apk, release: DistributionPrettyName,
        unorderable_is_not_affected: true }
}

#[test]
fn apk_order_and_lenient_versions() {
    use scry_sdk::matcher::testing::{check, distro_record};
    let musl = distro_record("musl", "musl", ("alpine", "Alpine Linux", "3.18.4"));
    check::<AlpineMatcher>(
        &musl,
        "1.2.4-r2",
        &["1.2.4_rc1-r0", "1.2.4-r1", "1.2_p1-r9"],
        &["1.2.4-r2", "not!a!version"],
    );
}
