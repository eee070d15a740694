//! The store-side half of matching: which stored vulnerabilities are candidates for a
//! record, by the equality constraints a matcher asks for (Clair's query semantics).

use scry_model::{Distribution, Repository, Vulnerability};
use scry_runtime::matcher::{IndexRecord, MatchConstraint};

/// Package names a record is looked up by: its own name, and its source package's
/// name when the matcher matches by source (source-keyed feeds such as Debian's).
pub fn lookup_names(record: &IndexRecord, constraints: &[MatchConstraint]) -> Vec<String> {
    let by_source = constraints.contains(&MatchConstraint::SourceName);
    let by_package = constraints.contains(&MatchConstraint::PackageName) || !by_source;
    let mut names = Vec::with_capacity(2);
    if by_package {
        names.push(record.package.name.clone());
    }
    if let Some(source) = record.package.source.as_ref().filter(|_| by_source)
        && !source.name.is_empty()
        && source.name != record.package.name
    {
        names.push(source.name.clone());
    }
    names
}

/// Whether `vulnerability` names the record's package (or its source) with a matching
/// kind and equals the record on every constrained field. Empty record values must
/// equal empty vulnerability values, as in Clair.
pub fn is_candidate(
    record: &IndexRecord,
    vulnerability: &Vulnerability,
    constraints: &[MatchConstraint],
) -> bool {
    names_package(record, vulnerability, constraints)
        && constraints
            .iter()
            .all(|constraint| field_matches(*constraint, record, vulnerability))
}

fn names_package(
    record: &IndexRecord,
    vulnerability: &Vulnerability,
    constraints: &[MatchConstraint],
) -> bool {
    let Some(vulnerable) = &vulnerability.package else {
        return false;
    };
    let kinds_agree =
        |kind: &str| vulnerable.kind.is_empty() || kind.is_empty() || vulnerable.kind == kind;
    let by_source = constraints.contains(&MatchConstraint::SourceName);
    let by_package = constraints.contains(&MatchConstraint::PackageName) || !by_source;
    let package = &record.package;
    (by_package && vulnerable.name == package.name && kinds_agree(&package.kind))
        || (by_source
            && package.source.as_ref().is_some_and(|source| {
                !source.name.is_empty()
                    && vulnerable.name == source.name
                    && kinds_agree(if source.kind.is_empty() {
                        "source"
                    } else {
                        &source.kind
                    })
            }))
}

fn field_matches(
    constraint: MatchConstraint,
    record: &IndexRecord,
    vulnerability: &Vulnerability,
) -> bool {
    use MatchConstraint as C;
    let dist = |f: fn(&Distribution) -> &str| {
        (
            record.distribution.as_ref().map_or("", f),
            vulnerability.distribution.as_ref().map_or("", f),
        )
    };
    let repo = |f: fn(&Repository) -> &str| {
        (
            record.repository.as_ref().map_or("", f),
            vulnerability.repository.as_ref().map_or("", f),
        )
    };
    let (ours, theirs) = match constraint {
        C::PackageName | C::SourceName => return true,
        C::HasFixedInVersion => return !vulnerability.fixed_in_version.is_empty(),
        C::PackageModule => (
            record.package.module.as_str(),
            vulnerability
                .package
                .as_ref()
                .map_or("", |package| package.module.as_str()),
        ),
        C::DistributionDid => dist(|d| &d.did),
        C::DistributionName => dist(|d| &d.name),
        C::DistributionVersion => dist(|d| &d.version),
        C::DistributionVersionCodeName => dist(|d| &d.version_code_name),
        C::DistributionVersionId => dist(|d| &d.version_id),
        C::DistributionArch => dist(|d| &d.arch),
        C::DistributionCpe => dist(|d| &d.cpe),
        C::DistributionPrettyName => dist(|d| &d.pretty_name),
        C::RepositoryName => repo(|r| &r.name),
        C::RepositoryKey => repo(|r| &r.key),
    };
    ours == theirs
}

/// For the reverse lookup (affected manifests): a matcher applies to a vulnerability
/// only if the vulnerability has a value for every field the matcher constrains
/// (the module excepted) and a fixed version when the matcher demands one.
pub fn applies_to(vulnerability: &Vulnerability, constraints: &[MatchConstraint]) -> bool {
    use MatchConstraint as C;
    let dist = |f: fn(&Distribution) -> &str| vulnerability.distribution.as_ref().map_or("", f);
    let repo = |f: fn(&Repository) -> &str| vulnerability.repository.as_ref().map_or("", f);
    constraints.iter().all(|constraint| {
        let value = match constraint {
            C::PackageName | C::SourceName | C::PackageModule => return true,
            C::HasFixedInVersion => vulnerability.fixed_in_version.as_str(),
            C::DistributionDid => dist(|d| &d.did),
            C::DistributionName => dist(|d| &d.name),
            C::DistributionVersion => dist(|d| &d.version),
            C::DistributionVersionCodeName => dist(|d| &d.version_code_name),
            C::DistributionVersionId => dist(|d| &d.version_id),
            C::DistributionArch => dist(|d| &d.arch),
            C::DistributionCpe => dist(|d| &d.cpe),
            C::DistributionPrettyName => dist(|d| &d.pretty_name),
            C::RepositoryName => repo(|r| &r.name),
            C::RepositoryKey => repo(|r| &r.key),
        };
        !value.is_empty()
    })
}
