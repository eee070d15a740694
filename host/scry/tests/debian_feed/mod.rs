//! A Debian security tracker feed generated from the bookworm fixture's packages, with
//! the vulnerable set `dpkg --compare-versions` gives for it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use scry_updaters::debian::TrackerEntry;

use crate::matcher_common::*;

/// One bookworm source package per verdict kind, round robin, plus entries that must
/// not match: another release, and a package the image lacks.
pub fn debian_feed(packages: &[Vec<String>]) -> (Vec<TrackerEntry>, BTreeSet<(String, String)>) {
    // name, version, source, source version, arch
    let mut sources: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in packages {
        sources
            .entry(row[2].clone())
            .or_default()
            .push((row[0].clone(), row[1].clone()));
    }
    let mut entries = Vec::new();
    let mut expected = BTreeSet::new();
    for (n, (source, binaries)) in sources.iter().enumerate() {
        let cve = format!("CVE-2099-{:05}", n + 1);
        let verdict = VERDICTS[n % VERDICTS.len()];
        // The source version the tracker would name: the first binary's version.
        let version = &binaries[0].1;
        let fixed = match verdict {
            Verdict::FixedAbove => Some(debian_above(version)),
            Verdict::FixedBelow => Some(debian_below(version)),
            Verdict::FixedEqual => Some(version.clone()),
            Verdict::Unfixed => None,
            Verdict::NotAffected => Some("0".to_string()),
        };
        for (binary, installed) in binaries {
            let vulnerable = match &fixed {
                None => true,
                Some(fixed) if fixed == "0" => false,
                Some(fixed) => dpkg_lt(installed, fixed),
            };
            if vulnerable {
                expected.insert((binary.clone(), cve.clone()));
            }
        }
        entries.push(TrackerEntry {
            source_package: source.clone(),
            cve: cve.clone(),
            codename: "bookworm".into(),
            fixed_version: fixed,
            urgency: ["low", "medium", "high", "unimportant"][n % 4].into(),
            description: format!("generated issue {n} in {source}"),
        });
        // The same package in another release, always "vulnerable" there.
        entries.push(TrackerEntry {
            source_package: source.clone(),
            cve: format!("CVE-2098-{:05}", n + 1),
            codename: "bullseye".into(),
            fixed_version: None,
            urgency: "high".into(),
            description: "bullseye only".into(),
        });
    }
    entries.push(TrackerEntry {
        source_package: "not-in-the-image".into(),
        cve: "CVE-2097-00001".into(),
        codename: "bookworm".into(),
        fixed_version: None,
        urgency: "high".into(),
        description: "no such package".into(),
    });
    (entries, expected)
}
