//! Java packages against OSV's Maven advisories, in Maven's `ComparableVersion`
//! order. Clair's `java-maven`.

use scry_sdk::version::Maven;

scry_sdk::osv_matcher! {
    MavenMatcher { name: "java-maven", version: "1", repository: "maven", ordering: Maven }
}

/// Log4Shell's range: `-beta9` is inside it, a release candidate of the fix is not yet
/// fixed, and `2.15` is `2.15.0`.
#[test]
fn log4shell_in_maven_order() {
    use scry_sdk::matcher::testing::{check, osv_record};
    let log4j = osv_record("org.apache.logging.log4j:log4j-core", "maven");
    let range = "introduced=2.0-beta9&fixed=2.15.0";
    check::<MavenMatcher>(
        &log4j,
        range,
        &["2.0-beta9", "2.14.1", "2.15.0-rc1"],
        &["2.0-alpha1", "2.15"],
    );
}
