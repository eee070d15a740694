//! Index records: an index report flattened to (package, distribution, repository)
//! triples, the unit matchers filter and judge.

use scry_model::IndexReport;
use scry_runtime::matcher::IndexRecord;

/// A record and the package id it reports under.
#[derive(Clone, Debug)]
pub struct Record {
    pub package_id: String,
    pub record: IndexRecord,
}

/// One record per (package, environment), and per repository of that environment when
/// it names any — the expansion Clair's matcher does before filtering.
pub fn index_records(report: &IndexReport) -> Vec<Record> {
    let mut records = Vec::new();
    for (package_id, environments) in &report.environments {
        let Some(package) = report.packages.get(package_id) else {
            continue;
        };
        for environment in environments {
            let distribution = report
                .distributions
                .get(&environment.distribution_id)
                .cloned();
            let mut push = |repository| {
                records.push(Record {
                    package_id: package_id.clone(),
                    record: IndexRecord {
                        package: package.clone(),
                        distribution: distribution.clone(),
                        repository,
                    },
                })
            };
            if environment.repository_ids.is_empty() {
                push(None);
            } else {
                for repository_id in &environment.repository_ids {
                    push(report.repository.get(repository_id).cloned());
                }
            }
        }
    }
    records
}
