//! Any other distribution (CentOS, Rocky, Alma, Fedora, Wolfi, …): os-release's own
//! fields, with the defaults os-release(5) gives for missing ones.

use scry_sdk::osrelease::OsRelease;
use scry_sdk::scanner::Distribution;

use crate::cpe;
use crate::detect::named;

pub fn from_os_release(os: &OsRelease) -> Option<Distribution> {
    // Without any identifying field the file is not an os-release file.
    if ["ID", "NAME", "PRETTY_NAME", "VERSION_ID"]
        .iter()
        .all(|key| os.non_empty(key).is_none())
    {
        return None;
    }
    let field = |key: &str| os.get(key).unwrap_or_default().to_string();
    let mut dist = named(
        os.non_empty("ID").unwrap_or("linux").trim(),
        os.non_empty("NAME").unwrap_or("Linux"),
    );
    dist.version = field("VERSION");
    dist.version_id = field("VERSION_ID");
    dist.version_code_name = field("VERSION_CODENAME");
    dist.pretty_name = os.non_empty("PRETTY_NAME").unwrap_or("Linux").to_string();
    dist.cpe = os
        .get("CPE_NAME")
        .and_then(cpe::to_formatted_string)
        .unwrap_or_default();
    Some(dist)
}
