//! Host types (`scry_model`) to the WIT records and back, at the plugin boundary. The
//! shared records (`types`) are one host type at every WIT version; the matcher
//! interface's own records are per version, converted by the same text ([`boundary`]).

use crate::types as wit_types;

/// Conversions to and from one WIT version's `matcher` records; expanded inside each
/// version's bindings module (see `versions.rs`).
macro_rules! boundary {
    () => {
        use self::exports::scry::plugin::matcher as wit;
        use crate::error::PluginFailure;
        use crate::matcher::convert::{distribution, package, repository};
        use crate::matcher::{Candidate, IndexRecord, MatchConstraint};

        pub(super) fn record(record: &IndexRecord) -> wit::IndexRecord {
            wit::IndexRecord {
                package: package(&record.package),
                distribution: record.distribution.as_ref().map(distribution),
                repository: record.repository.as_ref().map(repository),
            }
        }

        /// `description` and `links` are not sent: verdicts never depend on them, and
        /// they are most of a vulnerability's bytes.
        /// `record` is the index among the records sent with it.
        pub(super) fn candidate(record: u32, candidate: &Candidate) -> wit::Candidate {
            let v = &candidate.vulnerability;
            wit::Candidate {
                record,
                vulnerability: wit::Vulnerability {
                    id: v.id.clone(),
                    updater: v.updater.clone(),
                    name: v.name.clone(),
                    description: String::new(),
                    links: String::new(),
                    severity: v.severity.clone(),
                    normalized_severity: v.normalized_severity.clone(),
                    package: v.package.as_ref().map(package),
                    distribution: v.distribution.as_ref().map(distribution),
                    repository: v.repository.as_ref().map(repository),
                    fixed_in_version: v.fixed_in_version.clone(),
                    range: v.range.as_ref().map(|r| wit::VersionRange {
                        lower: r.lower.clone(),
                        upper: r.upper.clone(),
                    }),
                    arch_op: arch_op(&v.arch_op),
                },
            }
        }

        /// Clair's spellings; anything else (including empty) is no operator.
        fn arch_op(op: &str) -> Option<wit::ArchOp> {
            match op {
                "equals" => Some(wit::ArchOp::Equals),
                "not equals" => Some(wit::ArchOp::NotEquals),
                "pattern match" => Some(wit::ArchOp::PatternMatch),
                _ => None,
            }
        }

        pub(super) fn constraint(c: wit::MatchConstraint) -> MatchConstraint {
            use wit::MatchConstraint as W;
            match c {
                W::PackageName => MatchConstraint::PackageName,
                W::SourceName => MatchConstraint::SourceName,
                W::PackageModule => MatchConstraint::PackageModule,
                W::DistributionDid => MatchConstraint::DistributionDid,
                W::DistributionName => MatchConstraint::DistributionName,
                W::DistributionVersion => MatchConstraint::DistributionVersion,
                W::DistributionVersionCodeName => MatchConstraint::DistributionVersionCodeName,
                W::DistributionVersionId => MatchConstraint::DistributionVersionId,
                W::DistributionArch => MatchConstraint::DistributionArch,
                W::DistributionCpe => MatchConstraint::DistributionCpe,
                W::DistributionPrettyName => MatchConstraint::DistributionPrettyName,
                W::RepositoryName => MatchConstraint::RepositoryName,
                W::RepositoryKey => MatchConstraint::RepositoryKey,
                W::HasFixedInVersion => MatchConstraint::HasFixedInVersion,
            }
        }

        pub(super) fn match_error(err: wit::MatchError) -> PluginFailure {
            match err {
                wit::MatchError::BadVersion(e) => PluginFailure::BadVersion {
                    subject: e.subject,
                    version: e.version,
                    reason: e.reason,
                },
                wit::MatchError::Other(reason) => PluginFailure::MatchFailed(reason),
            }
        }
    };
}

/// The model's package has no `package_db`, `file_path` or `repository_hint` (those
/// live in the report's environments); they go over empty.
pub(super) fn package(p: &scry_model::Package) -> wit_types::Package {
    wit_types::Package {
        name: p.name.clone(),
        version: p.version.clone(),
        kind: if p.kind == "source" {
            wit_types::PackageKind::Source
        } else {
            wit_types::PackageKind::Binary
        },
        source: p.source.as_ref().map(|s| wit_types::SourcePackage {
            name: s.name.clone(),
            version: s.version.clone(),
        }),
        arch: p.arch.clone(),
        package_db: String::new(),
        file_path: String::new(),
        module: p.module.clone(),
        cpe: p.cpe.clone(),
        repository_hint: String::new(),
    }
}

pub(super) fn distribution(d: &scry_model::Distribution) -> wit_types::Distribution {
    wit_types::Distribution {
        did: d.did.clone(),
        name: d.name.clone(),
        version: d.version.clone(),
        version_code_name: d.version_code_name.clone(),
        version_id: d.version_id.clone(),
        arch: d.arch.clone(),
        cpe: d.cpe.clone(),
        pretty_name: d.pretty_name.clone(),
    }
}

pub(super) fn repository(r: &scry_model::Repository) -> wit_types::Repository {
    wit_types::Repository {
        name: r.name.clone(),
        key: r.key.clone(),
        uri: r.uri.clone(),
        cpe: r.cpe.clone(),
    }
}
