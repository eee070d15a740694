//! SUSE Linux Enterprise Server, reported by major release (its security data covers
//! all service packs of a major), and openSUSE Leap, reported by point release.

use scry_sdk::osrelease::OsRelease;
use scry_sdk::scanner::Distribution;

use crate::detect::{leading_number, named};

pub fn from_os_release(os: &OsRelease) -> Option<Distribution> {
    let id = os.get("ID")?.trim().to_ascii_lowercase();
    let version_id = os.non_empty("VERSION_ID")?.trim();
    match id.as_str() {
        "sles" => {
            let major = leading_number(version_id)?;
            let mut dist = named("sles", "SLES");
            dist.version = major.to_string();
            dist.version_id = major.to_string();
            dist.pretty_name = format!("SUSE Linux Enterprise Server {major}");
            Some(dist)
        }
        // Leap 42.x still used the plain `opensuse` id.
        "opensuse-leap" | "opensuse" if os.get("NAME").is_some_and(|n| n.contains("Leap")) => {
            let mut dist = named(&id, "openSUSE Leap");
            dist.version = version_id.to_string();
            dist.version_id = version_id.to_string();
            dist.pretty_name = format!("openSUSE Leap {version_id}");
            Some(dist)
        }
        _ => None,
    }
}
