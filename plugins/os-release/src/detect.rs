//! Which distribution a layer's release files describe.

use scry_sdk::osrelease::OsRelease;
use scry_sdk::scanner::Distribution;

use crate::{ReleaseFiles, alpine, debian, generic, redhat, suse};

/// The layer's distribution: from os-release when the layer has one, else from the
/// older per-distribution files.
pub fn distribution(files: &ReleaseFiles) -> Option<Distribution> {
    match files.os_release() {
        Some(os) => from_os_release(&os, files),
        None => from_legacy_files(files),
    }
}

fn from_os_release(os: &OsRelease, files: &ReleaseFiles) -> Option<Distribution> {
    let id = os
        .non_empty("ID")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let specific = match id.as_str() {
        "debian" => debian::debian_from_os_release(os),
        "ubuntu" => files
            .lsb_release()
            .and_then(|lsb| debian::ubuntu_from_lsb_release(&lsb))
            .or_else(|| debian::ubuntu_from_os_release(os)),
        "alpine" => alpine::from_os_release(os),
        "rhel" => redhat::rhel_from_os_release(os),
        "ol" => redhat::oracle_from_os_release(os),
        "amzn" => redhat::amazon_from_os_release(os),
        "sles" | "opensuse-leap" | "opensuse" => suse::from_os_release(os),
        _ => None,
    };
    // A distribution the specific rules cannot place (e.g. Debian testing, which has no
    // VERSION_ID) is still reported with the file's own fields.
    specific.or_else(|| generic::from_os_release(os))
}

/// Layers from distributions older than os-release, checked most specific first: Ubuntu
/// also ships `debian_version`, Oracle Linux also ships a RHEL `redhat-release`.
fn from_legacy_files(files: &ReleaseFiles) -> Option<Distribution> {
    let lsb = files.lsb_release();
    lsb.as_ref()
        .and_then(debian::ubuntu_from_lsb_release)
        .or_else(|| {
            files
                .text("etc/alpine-release")
                .and_then(alpine::from_alpine_release)
        })
        .or_else(|| files.text("etc/issue").and_then(alpine::from_issue))
        .or_else(|| match files.text("etc/oracle-release") {
            Some(text) => redhat::oracle_from_release_file(text),
            None => files
                .text("etc/redhat-release")
                .and_then(redhat::rhel_from_release_file),
        })
        .or_else(|| {
            files
                .text("etc/debian_version")
                .and_then(debian::debian_from_version_file)
        })
}

/// A distribution with only its id and name set.
pub fn named(did: &str, name: &str) -> Distribution {
    Distribution {
        did: did.to_string(),
        name: name.to_string(),
        ..Distribution::default()
    }
}

/// The leading run of ASCII digits of `text` as a number, e.g. the major of `8.9`.
pub fn leading_number(text: &str) -> Option<u32> {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text[..end].parse().ok()
}
