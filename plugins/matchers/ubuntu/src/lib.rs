//! Ubuntu records against Ubuntu's OVAL advisories (keyed by source package), in
//! dpkg order. Clair's `ubuntu-matcher`. OVAL's fixed version `0` means no fix yet,
//! so every version is affected.

use scry_sdk::version::Dpkg;

scry_sdk::distro_matcher! {
    UbuntuMatcher { name: "ubuntu-matcher", version: "1", did: "ubuntu", os_name: "Ubuntu",
        zero_fixed: Affected, ordering: Dpkg }
}

#[test]
fn judges_ubuntu_records_where_zero_means_unfixed() {
    use scry_sdk::matcher::Matcher;
    use scry_sdk::matcher::testing::{check, distro_record};
    let jammy = distro_record("libssl3", "openssl", ("ubuntu", "Ubuntu", "22.04"));
    let bookworm = distro_record("libssl3", "openssl", ("debian", "Debian GNU/Linux", "12"));
    assert_eq!(
        UbuntuMatcher::filter(vec![jammy.clone(), bookworm]),
        [true, false]
    );
    check::<UbuntuMatcher>(
        &jammy,
        "3.0.2-0ubuntu1.12",
        &["3.0.2-0ubuntu1.10"],
        &["3.0.2-0ubuntu1.12", "3.0.3-1"],
    );
    check::<UbuntuMatcher>(&jammy, "0", &["3.0.2-0ubuntu1.12"], &[]);
}
