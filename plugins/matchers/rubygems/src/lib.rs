//! Ruby gems against OSV's RubyGems advisories, in `Gem::Version` order. Clair's
//! `ruby-gem`.

use scry_sdk::version::Gem;

scry_sdk::osv_matcher! {
    RubyGemsMatcher { name: "ruby-gem", version: "1", repository: "rubygems", ordering: Gem }
}

/// `Gem::Version`: a letter starts a prerelease; trailing zeros do not count.
#[test]
fn gem_version_quirks() {
    let rack = scry_sdk::matcher::testing::osv_record("rack", "rubygems");
    let affected = ["3.0.9.1.rc1", "3.0.0"];
    scry_sdk::matcher::testing::check::<RubyGemsMatcher>(
        &rack,
        "introduced=3.0.0&fixed=3.0.9.1",
        &affected,
        &["3.0.9.1.0", "3.0.0.beta1"],
    );
}
