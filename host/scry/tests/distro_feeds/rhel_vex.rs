//! Red Hat CSAF VEX documents (one per CVE, shaped like security.access.redhat.com's)
//! about the rpm fixture's packages, served as the rhel-vex updater reads them:
//! `archive_latest.txt`, the `.tar.zst` archive, `changes.csv`, `deletions.csv`, and
//! every document at `<year>/<file>`, some changed after the archive was made.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::{Feed, tar, zstd};
use crate::matcher_common::{DEBIAN_PYTHON, Judged, version_oracle};

pub const ARCHIVE: &str = "csaf_vex_2024-03-21.tar.zst";
const BEFORE_ARCHIVE: &str = "2024-03-20T10:00:00+00:00";
const AFTER_ARCHIVE: &str = "2024-03-22T10:00:00+00:00";

/// Every branch a RHEL case must exercise.
pub const BRANCHES: [&str; 8] = [
    "fix newer than installed",
    "fix equal to installed",
    "fix older than installed",
    "known_affected",
    "known_affected, changed after the archive",
    "known_not_affected",
    "another product",
    "another architecture",
];

/// One installed rpm, from expected-rpm.tsv (name, epoch, version, release, arch,
/// sourcerpm).
pub struct Installed {
    pub name: String,
    pub evr: Evr,
    pub arch: String,
    pub source: String,
}

pub fn installed(rows: &[Vec<String>]) -> Vec<Installed> {
    rows.iter()
        .map(|row| {
            // bash-5.1.8-6.el9_1.src.rpm → bash
            let srpm = row[5].trim_end_matches(".src.rpm");
            let source = srpm.rsplitn(3, '-').nth(2).unwrap_or(srpm).to_string();
            Installed {
                name: row[0].clone(),
                evr: Evr {
                    epoch: row[1].clone(),
                    version: row[2].clone(),
                    release: row[3].clone(),
                },
                arch: row[4].clone(),
                source,
            }
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct Evr {
    pub epoch: String,
    pub version: String,
    pub release: String,
}

impl Evr {
    fn epoch_set(&self) -> bool {
        !self.epoch.is_empty() && self.epoch != "0"
    }

    /// As product ids spell it: `1:3.0.7-6.el9_2`.
    fn label(&self) -> String {
        let vr = format!("{}-{}", self.version, self.release);
        if self.epoch_set() {
            format!("{}:{vr}", self.epoch)
        } else {
            vr
        }
    }

    /// `rpm\tE\tV\tR` for the oracle.
    fn oracle_fields(&self) -> String {
        format!("{}\t{}\t{}", self.epoch, self.version, self.release)
    }
}

/// A product stream a status names, with its CPE.
struct Platform {
    id: &'static str,
    name: &'static str,
    cpe: &'static str,
}

const BASEOS_9: Platform = Platform {
    id: "BaseOS-9.2.0.Z.MAIN",
    name: "Red Hat Enterprise Linux BaseOS (v. 9)",
    cpe: "cpe:/o:redhat:enterprise_linux:9::baseos",
};
const APPSTREAM_9: Platform = Platform {
    id: "AppStream-9.2.0.Z.MAIN",
    name: "Red Hat Enterprise Linux AppStream (v. 9)",
    cpe: "cpe:/a:redhat:enterprise_linux:9::appstream",
};
const RHEL_9: Platform = Platform {
    id: "red_hat_enterprise_linux_9",
    name: "Red Hat Enterprise Linux 9",
    cpe: "cpe:/o:redhat:enterprise_linux:9",
};
const BASEOS_8: Platform = Platform {
    id: "BaseOS-8.8.0.Z.MAIN",
    name: "Red Hat Enterprise Linux BaseOS (v. 8)",
    cpe: "cpe:/o:redhat:enterprise_linux:8::baseos",
};
const APPSTREAM_8: Platform = Platform {
    id: "AppStream-8.8.0.Z.MAIN",
    name: "Red Hat Enterprise Linux AppStream (v. 8)",
    cpe: "cpe:/a:redhat:enterprise_linux:8::appstream",
};
const OPENSHIFT: Platform = Platform {
    id: "9Base-RHOSE-4.14",
    name: "Red Hat OpenShift Container Platform 4.14",
    cpe: "cpe:/a:redhat:openshift:4.14::el9",
};

enum Status {
    /// Fixed in this EVR, shipped for these binary architectures.
    Fixed(Evr, Vec<String>),
    KnownAffected,
    KnownNotAffected,
}

struct Statement {
    platform: &'static Platform,
    package: String,
    source: String,
    status: Status,
}

/// One CSAF VEX document.
struct Doc {
    cve: String,
    statements: Vec<Statement>,
    /// The copy in the archive when the served document changed after it.
    archived: Option<Vec<Statement>>,
}

impl Doc {
    fn path(&self) -> String {
        format!("2099/{}.json", self.cve.to_ascii_lowercase())
    }
}

/// The documents, served under `prefix` (e.g. `/vex/`), and the oracle's verdicts.
pub fn feed(packages: &[Installed], prefix: &str) -> Feed {
    let mut docs = Vec::new();
    let mut judged = Vec::new();
    // (index into judged, installed, fixed) for the comparisons the oracle decides.
    let mut compared: Vec<(usize, Evr, Evr)> = Vec::new();
    let mut next = 0;
    let mut cve = || {
        next += 1;
        format!("CVE-2099-{next:05}")
    };
    for (i, p) in packages.iter().enumerate() {
        let ships_in = [&BASEOS_9, &APPSTREAM_9][i % 2];
        let arches = if p.arch == "x86_64" {
            vec!["aarch64".to_string(), p.arch.clone()]
        } else {
            vec![p.arch.clone()]
        };
        let statement = |platform: &'static Platform, status| Statement {
            platform,
            package: p.name.clone(),
            source: p.source.clone(),
            status,
        };
        let e = &p.evr;
        let above = Evr {
            release: format!("{}.1", e.release),
            ..e.clone()
        };
        let fixes = [
            above.clone(),
            Evr {
                epoch: (e.epoch.parse::<u32>().unwrap_or(0) + 1).to_string(),
                ..e.clone()
            },
            Evr {
                release: format!("0.{}", e.release),
                ..e.clone()
            },
            Evr {
                version: format!("{}~rc1", e.version),
                ..e.clone()
            },
            e.clone(),
        ];
        for fixed in fixes {
            let name = cve();
            compared.push((judged.len(), e.clone(), fixed.clone()));
            judged.push(pair(p, &name, "", false));
            // Red Hat lists other products' fixes too; those never apply here.
            let noise = Evr {
                version: "999".into(),
                ..fixed.clone()
            };
            docs.push(Doc {
                cve: name,
                statements: vec![
                    statement(ships_in, Status::Fixed(fixed, arches.clone())),
                    statement(&BASEOS_8, Status::Fixed(noise, arches.clone())),
                ],
                archived: None,
            });
        }
        let simple = [
            (Status::KnownAffected, &RHEL_9, "known_affected", true),
            (
                Status::KnownNotAffected,
                &RHEL_9,
                "known_not_affected",
                false,
            ),
            (
                Status::Fixed(above.clone(), arches.clone()),
                [&BASEOS_8, &APPSTREAM_8, &OPENSHIFT][i % 3],
                "another product",
                false,
            ),
            (
                Status::Fixed(above.clone(), vec!["ppc64le".into(), "s390x".into()]),
                ships_in,
                "another architecture",
                false,
            ),
        ];
        for (status, platform, branch, vulnerable) in simple {
            let name = cve();
            judged.push(pair(p, &name, branch, vulnerable));
            docs.push(Doc {
                cve: name,
                statements: vec![statement(platform, status)],
                archived: None,
            });
        }
        // The archive said "fixed in the installed version"; the document served now
        // says affected: the newer copy wins.
        let name = cve();
        judged.push(pair(
            p,
            &name,
            "known_affected, changed after the archive",
            true,
        ));
        docs.push(Doc {
            cve: name,
            statements: vec![statement(&RHEL_9, Status::KnownAffected)],
            archived: Some(vec![statement(
                ships_in,
                Status::Fixed(e.clone(), arches.clone()),
            )]),
        });
    }
    docs.push(Doc {
        cve: cve(),
        statements: vec![Statement {
            platform: &RHEL_9,
            package: "not-in-the-image".into(),
            source: "not-in-the-image".into(),
            status: Status::KnownAffected,
        }],
        archived: None,
    });

    let requests: Vec<String> = compared
        .iter()
        .map(|(_, installed, fixed)| {
            format!(
                "rpm\t{}\t{}",
                installed.oracle_fields(),
                fixed.oracle_fields()
            )
        })
        .collect();
    let answers = version_oracle(DEBIAN_PYTHON, "rpm", &requests);
    for ((index, _, _), answer) in compared.iter().zip(answers) {
        let (branch, vulnerable) = match answer.as_str() {
            "-1" => ("fix newer than installed", true),
            "0" => ("fix equal to installed", false),
            _ => ("fix older than installed", false),
        };
        judged[*index].branch = branch;
        judged[*index].vulnerable = vulnerable;
    }
    Feed {
        files: serve(&docs, prefix),
        judged,
    }
}

fn pair(p: &Installed, cve: &str, branch: &'static str, vulnerable: bool) -> Judged {
    Judged {
        package: p.name.clone(),
        vulnerability: cve.to_string(),
        branch,
        vulnerable,
    }
}

fn serve(docs: &[Doc], prefix: &str) -> HashMap<String, Vec<u8>> {
    let mut files = HashMap::new();
    let mut archived = Vec::new();
    let mut changes = String::new();
    for doc in docs {
        let now = serde_json::to_vec_pretty(&document(&doc.cve, &doc.statements)).unwrap();
        let then = match &doc.archived {
            Some(statements) => serde_json::to_vec_pretty(&document(&doc.cve, statements)).unwrap(),
            None => now.clone(),
        };
        let changed = if doc.archived.is_some() {
            AFTER_ARCHIVE
        } else {
            BEFORE_ARCHIVE
        };
        changes += &format!("\"{}\",\"{changed}\"\n", doc.path());
        archived.push((doc.path(), then));
        files.insert(format!("{prefix}{}", doc.path()), now);
    }
    files.insert(format!("{prefix}{ARCHIVE}"), zstd(&tar(&archived)));
    files.insert(
        format!("{prefix}archive_latest.txt"),
        format!("{ARCHIVE}\n").into_bytes(),
    );
    files.insert(format!("{prefix}changes.csv"), changes.into_bytes());
    // Deleted before the archive was made: nothing to withdraw.
    files.insert(
        format!("{prefix}deletions.csv"),
        b"\"2098/cve-2098-00001.json\",\"2024-01-02T00:00:00+00:00\"\n".to_vec(),
    );
    files
}

/// A CSAF 2.0 VEX document: product tree (platforms with CPEs, rpm components with
/// PURLs, `<platform>:<component>` relationships) and one vulnerability.
fn document(cve: &str, statements: &[Statement]) -> Value {
    let mut platforms: BTreeMap<&str, &Platform> = BTreeMap::new();
    // Architecture branch → product id → PURL.
    let mut components: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut relationships = Vec::new();
    let (mut fixed, mut affected, mut not_affected) = (Vec::new(), Vec::new(), Vec::new());
    for s in statements {
        platforms.insert(s.platform.id, s.platform);
        let mut ids = Vec::new();
        match &s.status {
            Status::Fixed(evr, arches) => {
                let epoch = if evr.epoch_set() {
                    format!("&epoch={}", evr.epoch)
                } else {
                    String::new()
                };
                let vr = format!("{}-{}", evr.version, evr.release);
                // The source rpm ships alongside, as in Red Hat's documents.
                let with_src = arches
                    .iter()
                    .map(|arch| (s.package.as_str(), arch.as_str()))
                    .chain([(s.source.as_str(), "src")]);
                for (name, arch) in with_src {
                    let id = format!("{name}-{}.{arch}", evr.label());
                    let purl = format!("pkg:rpm/redhat/{name}@{vr}?arch={arch}{epoch}");
                    components
                        .entry(arch.to_string())
                        .or_default()
                        .insert(id.clone(), purl);
                    ids.push(id);
                }
            }
            Status::KnownAffected | Status::KnownNotAffected => {
                let purl = format!("pkg:rpm/redhat/{}", s.package);
                components
                    .entry("noarch".into())
                    .or_default()
                    .insert(s.package.clone(), purl);
                ids.push(s.package.clone());
            }
        }
        for id in ids {
            let full = format!("{}:{id}", s.platform.id);
            relationships.push(json!({
                "category": "default_component_of",
                "full_product_name": {
                    "name": format!("{id} as a component of {}", s.platform.name),
                    "product_id": full,
                },
                "product_reference": id,
                "relates_to_product_reference": s.platform.id,
            }));
            match s.status {
                Status::Fixed(..) => fixed.push(full),
                Status::KnownAffected => affected.push(full),
                Status::KnownNotAffected => not_affected.push(full),
            }
        }
    }
    let family: Vec<Value> = platforms
        .values()
        .map(|p| {
            json!({
                "category": "product_name",
                "name": p.name,
                "product": {
                    "name": p.name,
                    "product_id": p.id,
                    "product_identification_helper": { "cpe": p.cpe },
                },
            })
        })
        .collect();
    let mut vendor = vec![json!({
        "branches": family,
        "category": "product_family",
        "name": "Red Hat Enterprise Linux",
    })];
    for (arch, products) in &components {
        let versions: Vec<Value> = products
            .iter()
            .map(|(id, purl)| {
                json!({
                    "category": "product_version",
                    "name": id,
                    "product": {
                        "name": id,
                        "product_id": id,
                        "product_identification_helper": { "purl": purl },
                    },
                })
            })
            .collect();
        vendor.push(json!({ "branches": versions, "category": "architecture", "name": arch }));
    }
    let all: Vec<&String> = fixed.iter().chain(&affected).collect();
    let mut remediations = Vec::new();
    if !fixed.is_empty() {
        remediations.push(json!({
            "category": "vendor_fix",
            "date": "2024-03-01T00:00:00+00:00",
            "details": "For details on how to apply this update, which includes the changes described in this advisory, refer to:\n\nhttps://access.redhat.com/articles/11258",
            "product_ids": fixed,
            "url": format!("https://access.redhat.com/errata/RHSA-2099:{}", &cve[9..]),
        }));
    }
    if !affected.is_empty() {
        remediations.push(json!({
            "category": "none_available",
            "details": "Affected",
            "product_ids": affected,
        }));
    }
    json!({
        "document": {
            "aggregate_severity": {
                "namespace": "https://access.redhat.com/security/updates/classification/",
                "text": "Moderate",
            },
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "distribution": {
                "text": "Copyright © Red Hat, Inc. All rights reserved.",
                "tlp": { "label": "WHITE", "url": "https://www.first.org/tlp/" },
            },
            "lang": "en",
            "publisher": {
                "category": "vendor",
                "contact_details": "https://access.redhat.com/security/team/contact/",
                "name": "Red Hat Product Security",
                "namespace": "https://www.redhat.com",
            },
            "references": [{
                "category": "self",
                "summary": "Canonical URL",
                "url": format!("https://security.access.redhat.com/data/csaf/v2/vex/2099/{}.json", cve.to_ascii_lowercase()),
            }],
            "title": format!("generated issue {cve}"),
            "tracking": {
                "current_release_date": "2024-03-01T00:00:00+00:00",
                "generator": {
                    "date": "2024-03-01T00:00:00+00:00",
                    "engine": { "name": "Red Hat SDEngine", "version": "4.2.1" },
                },
                "id": cve,
                "initial_release_date": "2024-02-07T00:00:00+00:00",
                "revision_history": [{
                    "date": "2024-03-01T00:00:00+00:00",
                    "number": "1",
                    "summary": "Current version",
                }],
                "status": "final",
                "version": "1",
            },
        },
        "product_tree": {
            "branches": [{ "branches": vendor, "category": "vendor", "name": "Red Hat" }],
            "relationships": relationships,
        },
        "vulnerabilities": [{
            "cve": cve,
            "discovery_date": "2024-01-15T00:00:00+00:00",
            "notes": [{
                "category": "description",
                "text": format!("A generated flaw, {cve}, in the fixture's packages."),
                "title": "Vulnerability description",
            }],
            "product_status": {
                "fixed": fixed,
                "known_affected": affected,
                "known_not_affected": not_affected,
            },
            "references": [{
                "category": "self",
                "summary": "Canonical URL",
                "url": format!("https://access.redhat.com/security/cve/{cve}"),
            }],
            "release_date": "2024-02-07T00:00:00+00:00",
            "remediations": remediations,
            "scores": [{
                "cvss_v3": {
                    "attackComplexity": "LOW",
                    "attackVector": "NETWORK",
                    "availabilityImpact": "NONE",
                    "baseScore": 5.3,
                    "baseSeverity": "MEDIUM",
                    "confidentialityImpact": "LOW",
                    "integrityImpact": "NONE",
                    "privilegesRequired": "NONE",
                    "scope": "UNCHANGED",
                    "userInteraction": "NONE",
                    "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
                    "version": "3.1",
                },
                "products": all,
            }],
            "threats": [{ "category": "impact", "details": "Moderate", "product_ids": all }],
            "title": format!("generated: {cve}"),
        }],
    })
}
