//! Alpine secdb files (`<release>/<repo>.json`, as secdb.alpinelinux.org serves them)
//! about the alpine fixture's origin packages; apk ordering from univers'
//! AlpineLinuxVersion, the oracle the SDK's apk ordering is tested against.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::Feed;
use crate::matcher_common::{Judged, oracle_compare, pypi_python};

pub const BRANCHES: [&str; 6] = [
    "fix newer than installed",
    "fix equal to installed",
    "fix older than installed",
    "not affected (\"0\")",
    "another release",
    "community repository",
];

/// One installed package from expected-apk.tsv (name, version, arch, origin).
pub struct Installed {
    pub name: String,
    pub version: String,
    pub origin: String,
}

pub fn installed(rows: &[Vec<String>]) -> Vec<Installed> {
    rows.iter()
        .map(|row| Installed {
            name: row[0].clone(),
            version: row[1].clone(),
            origin: row[3].clone(),
        })
        .collect()
}

/// `1.36.1-r2` → (`1.36.1`, 2).
fn split_revision(version: &str) -> (&str, u32) {
    match version.rsplit_once("-r") {
        Some((base, rev)) => (base, rev.parse().unwrap_or(0)),
        None => (version, 0),
    }
}

/// Per origin, one CVE per kind of fixed version: newer (revision, `_p` patch), older
/// (`_rc` with a higher revision), equal, `"0"`; one in `community.json`; one for
/// v3.17 only. Served under `prefix` (e.g. `/secdb/`).
pub fn feed(packages: &[Installed], prefix: &str) -> Feed {
    let mut origins: BTreeMap<&str, Vec<&Installed>> = BTreeMap::new();
    for p in packages {
        origins.entry(&p.origin).or_default().push(p);
    }
    // Release → repo → origin → fixed version → ids.
    type Secdb<'a> =
        BTreeMap<&'a str, BTreeMap<&'a str, BTreeMap<String, BTreeMap<String, Vec<String>>>>>;
    let mut secdb: Secdb = BTreeMap::new();
    let mut judged = Vec::new();
    let mut compared: Vec<(usize, String, String)> = Vec::new();
    let mut next = 0;
    for (origin, binaries) in &origins {
        // Binaries of one origin are built from one aport: one version.
        let (base, rev) = split_revision(&binaries[0].version);
        let fixes = [
            format!("{base}-r{}", rev + 1),
            format!("{base}_p1-r0"),
            format!("{base}_rc1-r{}", rev + 3),
            format!("{base}-r{rev}"),
        ];
        let mut state = |release, repo, fixed: &str, branch: &'static str, oracle: bool| {
            next += 1;
            let cve = format!("CVE-2099-{next:05}");
            for binary in binaries {
                if oracle {
                    compared.push((judged.len(), binary.version.clone(), fixed.to_string()));
                }
                judged.push(Judged {
                    package: binary.name.clone(),
                    vulnerability: cve.clone(),
                    branch,
                    vulnerable: false,
                });
            }
            secdb
                .entry(release)
                .or_default()
                .entry(repo)
                .or_default()
                .entry(origin.to_string())
                .or_default()
                .entry(fixed.to_string())
                .or_default()
                .push(cve);
        };
        for fixed in &fixes {
            state("v3.18", "main", fixed, "", true);
        }
        state("v3.18", "main", "0", "not affected (\"0\")", false);
        state(
            "v3.18",
            "community",
            &fixes[0],
            "community repository",
            true,
        );
        state("v3.17", "main", &fixes[0], "another release", false);
    }
    let pairs: Vec<(String, String)> = compared
        .iter()
        .map(|(_, installed, fixed)| (installed.clone(), fixed.clone()))
        .collect();
    let answers = oracle_compare(&pypi_python(), "apk", &pairs);
    for ((index, _, _), answer) in compared.iter().zip(answers) {
        let j = &mut judged[*index];
        j.vulnerable = answer < 0;
        if j.branch.is_empty() {
            j.branch = match answer {
                -1 => "fix newer than installed",
                0 => "fix equal to installed",
                _ => "fix older than installed",
            };
        }
    }
    let mut files = HashMap::new();
    for release in ["v3.17", "v3.18"] {
        for repo in ["main", "community"] {
            let mut packages: Vec<Value> = secdb
                .get(release)
                .and_then(|r| r.get(repo))
                .into_iter()
                .flatten()
                .map(|(name, secfixes)| json!({ "pkg": { "name": name, "secfixes": secfixes } }))
                .collect();
            if repo == "main" {
                // A package the image lacks.
                packages.push(json!({ "pkg": { "name": "not-in-the-image",
                    "secfixes": { "9.9-r0": ["CVE-2097-00001"] } } }));
            }
            let body = json!({
                "apkurl": "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
                "archs": ["aarch64", "armhf", "armv7", "ppc64le", "s390x", "x86", "x86_64"],
                "reponame": repo,
                "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
                "distroversion": release,
                "packages": packages,
            });
            files.insert(
                format!("{prefix}{release}/{repo}.json"),
                serde_json::to_vec_pretty(&body).unwrap(),
            );
        }
    }
    Feed { files, judged }
}
