//! CVSS enrichment: the NVD `cvssData` of every CVE a reported vulnerability names, in
//! the shape Clair's `clair.cvss` enricher emits.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;
use scry_model::{UpdateKind, Vulnerability};
use scry_store::{StoreError, VulnStore};
use serde_json::Value;

pub const CVSS_UPDATER: &str = "clair.cvss";
pub const CVSS_TYPE: &str = "message/vnd.clair.map.vulnerability; enricher=clair.cvss schema=https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema";

static CVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)cve[-_][0-9]{4}[-_][0-9]{4,}").expect("valid pattern"));

/// CVE ids (upper case, dashes) in a vulnerability's name and links.
pub fn cve_ids(vulnerability: &Vulnerability) -> BTreeSet<String> {
    [&vulnerability.name, &vulnerability.links]
        .into_iter()
        .flat_map(|text| CVE.find_iter(text))
        .map(|found| found.as_str().to_ascii_uppercase().replace('_', "-"))
        .collect()
}

/// `enrichments` of a report: `{CVSS_TYPE: [{vuln id: [cvssData…]}]}`, or empty when
/// nothing matched.
pub async fn cvss(
    store: &VulnStore,
    vulnerabilities: &BTreeMap<String, Vulnerability>,
) -> Result<BTreeMap<String, Vec<Value>>, StoreError> {
    let wanted: BTreeMap<&String, BTreeSet<String>> = vulnerabilities
        .iter()
        .map(|(id, vulnerability)| (id, cve_ids(vulnerability)))
        .filter(|(_, cves)| !cves.is_empty())
        .collect();
    let tags: Vec<String> = wanted
        .values()
        .flatten()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut enrichments = BTreeMap::new();
    if tags.is_empty() {
        return Ok(enrichments);
    }
    // Without any CVSS operation the tag lookup can only come back empty; one indexed
    // query saves it (it costs milliseconds for a report with hundreds of CVEs).
    if store
        .latest_fingerprint(CVSS_UPDATER, UpdateKind::Enrichment)
        .await?
        .is_none()
    {
        return Ok(enrichments);
    }
    let records = store.enrichments(CVSS_UPDATER, &tags).await?;
    let mut by_vulnerability = serde_json::Map::new();
    for (id, cves) in wanted {
        // One record per CVE, as Clair's lookup returns at most one.
        let found: Vec<Value> = cves
            .iter()
            .filter_map(|cve| records.get(cve).and_then(|list| list.first()).cloned())
            .collect();
        if !found.is_empty() {
            by_vulnerability.insert(id.clone(), Value::Array(found));
        }
    }
    if !by_vulnerability.is_empty() {
        enrichments.insert(CVSS_TYPE.to_string(), vec![Value::Object(by_vulnerability)]);
    }
    Ok(enrichments)
}
