//! A vulnerability as flat columns: the one place that knows the column order, what
//! the content hash covers, and how a row becomes a [`Vulnerability`] again.

use md5::{Digest, Md5};
use scry_model::{
    Distribution, EnrichmentRecord, Package, Repository, VersionRange, Vulnerability,
};
use sqlx::{ColumnIndex, Database, Decode, Row, Type};

use crate::error::{Context, StoreError};

/// The stored fields after `updater` and `hash`, in insert and select order.
pub(crate) const FIELDS: [&str; 27] = [
    "name",
    "description",
    "issued",
    "links",
    "severity",
    "normalized_severity",
    "package_name",
    "package_version",
    "package_module",
    "package_arch",
    "package_kind",
    "dist_did",
    "dist_name",
    "dist_version",
    "dist_version_code_name",
    "dist_version_id",
    "dist_arch",
    "dist_cpe",
    "dist_pretty_name",
    "repo_name",
    "repo_key",
    "repo_uri",
    "repo_cpe",
    "fixed_in_version",
    "arch_op",
    "range_lower",
    "range_upper",
];

/// Left out of the hash: a feed re-rating a vulnerability keeps the stored row, as Clair.
const NORMALIZED_SEVERITY: usize = 5;
const PACKAGE_NAME: usize = 6;

/// `v.id, v.updater, v.name, …` for SELECTs on `vulnerability v`.
pub(crate) fn select_list() -> String {
    let mut list = String::from("v.id, v.updater");
    for field in FIELDS {
        list.push_str(", v.");
        list.push_str(field);
    }
    list
}

/// `updater, hash, name, …` for INSERTs.
pub(crate) fn insert_list() -> String {
    format!("updater, hash, {}", FIELDS.join(", "))
}

/// A vulnerability's stored fields, borrowed, with its content hash.
pub(crate) struct Flat<'a> {
    pub hash: String,
    pub fields: [&'a str; 27],
}

impl<'a> Flat<'a> {
    /// None for vulnerabilities without a package name: nothing could ever match them.
    pub(crate) fn new(vuln: &'a Vulnerability) -> Option<Flat<'a>> {
        let fields = fields(vuln);
        if fields[PACKAGE_NAME].is_empty() {
            return None;
        }
        let mut hasher = Md5::new();
        for (at, field) in fields.iter().enumerate() {
            if at != NORMALIZED_SEVERITY {
                // Length-prefixed, so no two field lists hash alike by concatenation.
                hasher.update((field.len() as u64).to_le_bytes());
                hasher.update(field.as_bytes());
            }
        }
        Some(Flat {
            hash: hex::encode(hasher.finalize()),
            fields,
        })
    }
}

fn fields(v: &Vulnerability) -> [&str; 27] {
    let package = v.package.as_ref();
    let p = |get: fn(&Package) -> &str| package.map(get).unwrap_or_default();
    let dist = v.distribution.as_ref();
    let d = |get: fn(&Distribution) -> &str| dist.map(get).unwrap_or_default();
    let repo = v.repository.as_ref();
    let r = |get: fn(&Repository) -> &str| repo.map(get).unwrap_or_default();
    let range = v.range.as_ref();
    [
        &v.name,
        &v.description,
        &v.issued,
        &v.links,
        &v.severity,
        &v.normalized_severity,
        p(|p| &p.name),
        p(|p| &p.version),
        p(|p| &p.module),
        p(|p| &p.arch),
        p(|p| &p.kind),
        d(|d| &d.did),
        d(|d| &d.name),
        d(|d| &d.version),
        d(|d| &d.version_code_name),
        d(|d| &d.version_id),
        d(|d| &d.arch),
        d(|d| &d.cpe),
        d(|d| &d.pretty_name),
        r(|r| &r.name),
        r(|r| &r.key),
        r(|r| &r.uri),
        r(|r| &r.cpe),
        &v.fixed_in_version,
        &v.arch_op,
        range.map(|r| r.lower.as_str()).unwrap_or_default(),
        range.map(|r| r.upper.as_str()).unwrap_or_default(),
    ]
}

/// A row of [`select_list`] as a vulnerability: `id` the row id, distribution and
/// repository always present (possibly empty), as Clair's reports have them.
pub(crate) fn decode<DB>(row: &DB::Row) -> Result<Vulnerability, StoreError>
where
    DB: Database,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
{
    let what = || "reading a stored vulnerability".to_string();
    let id: i64 = row.try_get(0).context(what)?;
    let updater: String = row.try_get(1).context(what)?;
    let mut f = Vec::with_capacity(FIELDS.len());
    for at in 0..FIELDS.len() {
        f.push(row.try_get::<String, _>(at + 2).context(what)?);
    }
    let mut f = f.into_iter();
    let mut next = || f.next().unwrap_or_default();
    let (name, description, issued, links, severity, normalized_severity) =
        (next(), next(), next(), next(), next(), next());
    let package = Package {
        id: String::new(),
        name: next(),
        version: next(),
        module: next(),
        arch: next(),
        kind: next(),
        source: None,
        normalized_version: String::new(),
        cpe: String::new(),
    };
    let distribution = Distribution {
        id: String::new(),
        did: next(),
        name: next(),
        version: next(),
        version_code_name: next(),
        version_id: next(),
        arch: next(),
        cpe: next(),
        pretty_name: next(),
    };
    let repository = Repository {
        id: String::new(),
        name: next(),
        key: next(),
        uri: next(),
        cpe: next(),
    };
    let (fixed_in_version, arch_op, lower, upper) = (next(), next(), next(), next());
    let range = (!lower.is_empty() || !upper.is_empty()).then_some(VersionRange { lower, upper });
    Ok(Vulnerability {
        id: id.to_string(),
        updater,
        name,
        description,
        issued,
        links,
        severity,
        normalized_severity,
        package: Some(package),
        distribution: Some(distribution),
        repository: Some(repository),
        fixed_in_version,
        range,
        arch_op,
    })
}

/// Content hash of an enrichment record: its tags and its JSON.
pub(crate) fn enrichment_hash(record: &EnrichmentRecord) -> String {
    let mut hasher = Md5::new();
    for tag in &record.tags {
        hasher.update((tag.len() as u64).to_le_bytes());
        hasher.update(tag.as_bytes());
    }
    hasher.update(record.enrichment.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vuln() -> Vulnerability {
        Vulnerability {
            name: "CVE-2024-1".into(),
            package: Some(Package {
                id: String::new(),
                name: "openssl".into(),
                version: String::new(),
                kind: "source".into(),
                source: None,
                normalized_version: String::new(),
                module: String::new(),
                arch: String::new(),
                cpe: String::new(),
            }),
            fixed_in_version: "3.0.1".into(),
            ..Vulnerability::default()
        }
    }

    #[test]
    fn hash_covers_defining_fields_only() {
        let base = vuln();
        let hash = |v: &Vulnerability| Flat::new(v).unwrap().hash;
        let mut other = base.clone();
        other.updater = "another".into();
        other.normalized_severity = "High".into();
        other.id = "7".into();
        assert_eq!(hash(&base), hash(&other));
        other.fixed_in_version = "3.0.2".into();
        assert_ne!(hash(&base), hash(&other));
        // Moving text between adjacent fields changes the hash.
        let mut a = base.clone();
        a.name = "ab".into();
        a.description = "c".into();
        let mut b = base.clone();
        b.name = "a".into();
        b.description = "bc".into();
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn no_package_name_no_row() {
        let mut v = vuln();
        v.package = None;
        assert!(Flat::new(&v).is_none());
    }
}
