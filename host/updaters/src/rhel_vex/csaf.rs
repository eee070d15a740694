//! One Red Hat CSAF VEX document (one CVE) → Clair vulnerabilities.
//!
//! Only the fields the mapping needs are read. A product status names a *relationship*
//! product (`<platform>:<component>`): the platform's CPE becomes the repository, the
//! component's PURL the package.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use scry_model::{Package, Repository, Vulnerability, zero_time};
use serde::Deserialize;
use serde_json::Value;

use super::purl;
use crate::cvss_score;

/// The repository key the `rhel` matcher selects on.
pub const REPOSITORY_KEY: &str = "rhel-cpe-repository";

#[derive(Debug, Deserialize)]
pub struct Document {
    document: DocumentMeta,
    #[serde(default)]
    product_tree: ProductTree,
    #[serde(default)]
    vulnerabilities: Vec<Vuln>,
}

#[derive(Debug, Deserialize)]
struct DocumentMeta {
    tracking: Tracking,
    #[serde(default)]
    references: Vec<Reference>,
}

#[derive(Debug, Deserialize)]
struct Tracking {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    initial_release_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ProductTree {
    #[serde(default)]
    branches: Vec<Branch>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Debug, Deserialize)]
struct Branch {
    #[serde(default)]
    product: Option<Product>,
    #[serde(default)]
    branches: Vec<Branch>,
}

#[derive(Debug, Deserialize)]
struct Product {
    product_id: String,
    #[serde(default)]
    product_identification_helper: Option<Helper>,
}

#[derive(Debug, Deserialize)]
struct Helper {
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Relationship {
    full_product_name: Product,
    product_reference: String,
    relates_to_product_reference: String,
}

#[derive(Debug, Deserialize)]
struct Vuln {
    #[serde(default)]
    cve: Option<String>,
    #[serde(default)]
    notes: Vec<Note>,
    #[serde(default)]
    release_date: Option<String>,
    #[serde(default)]
    product_status: ProductStatus,
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    remediations: Vec<Remediation>,
    #[serde(default)]
    scores: Vec<Score>,
    #[serde(default)]
    threats: Vec<Threat>,
}

#[derive(Debug, Default, Deserialize)]
struct ProductStatus {
    #[serde(default)]
    fixed: Vec<String>,
    #[serde(default)]
    known_affected: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Note {
    #[serde(default)]
    category: String,
    #[serde(default)]
    text: String,
}

#[derive(Debug, Deserialize)]
struct Reference {
    #[serde(default)]
    url: String,
}

#[derive(Debug, Deserialize)]
struct Remediation {
    #[serde(default)]
    category: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    product_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Score {
    #[serde(default)]
    cvss_v3: Option<Value>,
    #[serde(default)]
    products: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Threat {
    #[serde(default)]
    category: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    product_ids: Vec<String>,
}

/// What one document says.
#[derive(Debug, Default)]
pub struct Mapped {
    pub vulnerabilities: Vec<Vulnerability>,
    /// Set when the document itself is withdrawn (`tracking.status: deleted`).
    pub deleted: Option<String>,
}

impl Document {
    pub fn name(&self) -> &str {
        &self.document.tracking.id
    }

    pub fn map(&self, updater: &str) -> Mapped {
        if self
            .document
            .tracking
            .status
            .eq_ignore_ascii_case("deleted")
        {
            return Mapped {
                vulnerabilities: Vec::new(),
                deleted: Some(self.name().to_string()),
            };
        }
        let tree = Tree::new(&self.product_tree);
        let mut out = Vec::new();
        for vuln in &self.vulnerabilities {
            out.extend(self.map_vuln(vuln, &tree, updater));
        }
        Mapped {
            vulnerabilities: out,
            deleted: None,
        }
    }

    fn map_vuln(&self, vuln: &Vuln, tree: &Tree, updater: &str) -> Vec<Vulnerability> {
        let name = vuln.cve.clone().unwrap_or_else(|| self.name().to_string());
        let description = vuln
            .notes
            .iter()
            .find(|n| n.category == "description")
            .or_else(|| vuln.notes.iter().find(|n| n.category == "summary"))
            .map(|n| n.text.clone())
            .unwrap_or_default();
        let issued = vuln
            .release_date
            .clone()
            .or_else(|| self.document.tracking.initial_release_date.clone())
            .unwrap_or_else(zero_time);
        // Fixed packages that differ only in architecture become one vulnerability.
        let mut fixed: BTreeMap<Key, (BTreeSet<String>, &str)> = BTreeMap::new();
        for product_id in &vuln.product_status.fixed {
            let Some((key, arch)) = tree.component(product_id, true) else {
                continue;
            };
            let entry = fixed.entry(key).or_insert((BTreeSet::new(), product_id));
            entry.0.extend(arch);
        }
        let mut affected: BTreeMap<Key, &str> = BTreeMap::new();
        for product_id in &vuln.product_status.known_affected {
            if let Some((key, _)) = tree.component(product_id, false) {
                affected.entry(key).or_insert(product_id);
            }
        }
        let record = |key: Key, arches: BTreeSet<String>, product_id: &str| {
            let (severity, normalized) = severity(vuln, product_id);
            // One pattern for all the architectures the fix ships for.
            let arch = arch_pattern(&arches);
            let rhsa = vuln
                .remediations
                .iter()
                .filter(|r| r.category == "vendor_fix")
                .find(|r| r.product_ids.iter().any(|id| id == product_id))
                .and_then(|r| r.url.as_deref());
            let links = vuln
                .references
                .iter()
                .chain(&self.document.references)
                .map(|r| r.url.as_str())
                .chain(rhsa);
            Vulnerability {
                updater: updater.to_string(),
                name: name.clone(),
                description: description.clone(),
                issued: issued.clone(),
                links: join_links(links),
                severity,
                normalized_severity: normalized.to_string(),
                package: Some(package(&key.package, &key.module, &arch)),
                repository: Some(Repository {
                    name: key.cpe.clone(),
                    key: REPOSITORY_KEY.into(),
                    cpe: key.cpe.clone(),
                    ..Repository::default()
                }),
                fixed_in_version: key.fixed.clone(),
                arch_op: if arch.is_empty() {
                    String::new()
                } else {
                    "pattern match".into()
                },
                ..Vulnerability::default()
            }
        };
        let mut out = Vec::new();
        for (key, (arches, product_id)) in fixed {
            out.push(record(key, arches, product_id));
        }
        for (key, product_id) in affected {
            out.push(record(key, BTreeSet::new(), product_id));
        }
        out
    }
}

/// `^(aarch64|x86_64)$`: an anchored alternation (the subset sdk/src/pattern.rs parses), so `x86_64` never matches
/// `x86_64_v2`. Arch names were checked to be `[A-Za-z0-9_]+`. Empty: any arch.
fn arch_pattern(arches: &BTreeSet<String>) -> String {
    if arches.is_empty() {
        return String::new();
    }
    let alternatives: Vec<&str> = arches.iter().map(String::as_str).collect();
    format!("^({})$", alternatives.join("|"))
}

/// What makes two fixed products the same vulnerability (all but the architecture).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    cpe: String,
    package: String,
    module: String,
    /// `[epoch:]version-release`; empty for known-affected.
    fixed: String,
}

/// Product ids → identification helpers, and relationship ids → (component, platform).
struct Tree<'d> {
    helpers: HashMap<&'d str, &'d Helper>,
    relationships: HashMap<&'d str, (&'d str, &'d str)>,
}

impl<'d> Tree<'d> {
    fn new(tree: &'d ProductTree) -> Tree<'d> {
        let mut helpers = HashMap::new();
        let mut stack: Vec<&Branch> = tree.branches.iter().collect();
        while let Some(branch) = stack.pop() {
            if let Some(product) = &branch.product
                && let Some(helper) = &product.product_identification_helper
            {
                helpers.insert(product.product_id.as_str(), helper);
            }
            stack.extend(&branch.branches);
        }
        let relationships = tree
            .relationships
            .iter()
            .map(|r| {
                (
                    r.full_product_name.product_id.as_str(),
                    (
                        r.product_reference.as_str(),
                        r.relates_to_product_reference.as_str(),
                    ),
                )
            })
            .collect();
        Tree {
            helpers,
            relationships,
        }
    }

    /// The key and binary architecture of an rpm product; `None` for products that are
    /// not an rpm on a CPE-named platform (containers, bad PURLs), which are skipped.
    fn component(&self, product_id: &str, fixed: bool) -> Option<(Key, Option<String>)> {
        let (component, platform) = self.relationships.get(product_id)?;
        let cpe = self.helpers.get(platform)?.cpe.clone()?;
        let purl = purl::parse(self.helpers.get(component)?.purl.as_deref()?)?;
        if purl.kind != "rpm" {
            return None;
        }
        let arch = purl.qualifiers.get("arch").cloned();
        if arch.as_ref().is_some_and(|a| {
            a.is_empty() || !a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }) {
            return None;
        }
        let fixed_version = if fixed {
            let version = purl.version.as_deref()?;
            match purl.qualifiers.get("epoch") {
                Some(epoch) => format!("{epoch}:{version}"),
                None => version.to_string(),
            }
        } else {
            String::new()
        };
        // `rpmmod=nodejs:18:9010020230223:rhel9` → module `nodejs:18`.
        let module = purl
            .qualifiers
            .get("rpmmod")
            .map(|m| m.split(':').take(2).collect::<Vec<_>>().join(":"))
            .unwrap_or_default();
        // Source rpms never match an installed package: only binary arches constrain.
        let arch = arch.filter(|a| a != "src");
        Some((
            Key {
                cpe,
                package: purl.name,
                module,
                fixed: fixed_version,
            },
            arch,
        ))
    }
}

fn package(name: &str, module: &str, arch: &str) -> Package {
    Package {
        id: String::new(),
        name: name.to_string(),
        version: String::new(),
        kind: "binary".into(),
        source: None,
        normalized_version: String::new(),
        module: module.to_string(),
        arch: arch.to_string(),
        cpe: String::new(),
    }
}

/// The product's CVSS v3 vector as the feed's severity (its impact word when it has no
/// score), and the normalized severity from Red Hat's impact rating.
fn severity(vuln: &Vuln, product_id: &str) -> (String, &'static str) {
    let applies = |ids: &[String]| ids.is_empty() || ids.iter().any(|id| id == product_id);
    let impact = vuln
        .threats
        .iter()
        .filter(|t| t.category == "impact" && applies(&t.product_ids))
        .map(|t| t.details.trim())
        .next()
        .unwrap_or("");
    let vector = vuln
        .scores
        .iter()
        .filter(|s| applies(&s.products))
        .filter_map(|s| s.cvss_v3.as_ref()?.get("vectorString")?.as_str())
        .next();
    let normalized = cvss_score::normalize_word(impact);
    (vector.unwrap_or(impact).to_string(), normalized)
}

fn join_links<'a>(links: impl Iterator<Item = &'a str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for link in links.map(str::trim) {
        if !link.is_empty() && !link.contains(char::is_whitespace) && !out.contains(&link) {
            out.push(link);
        }
    }
    out.join(" ")
}
