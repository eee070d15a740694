//! An OSV `PyPI/all.zip` (one OSV JSON advisory per entry) and `ecosystems.txt` about
//! the Python packages an image holds; ordering from `packaging.version.Version`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Feed, zip};
use crate::matcher_common::{Judged, oracle_compare, pypi_python};

pub const BRANCHES: [&str; 10] = [
    "below the fix",
    "at or above the fix",
    "introduced later",
    "no fix",
    "at or below last_affected",
    "above last_affected",
    "in the second range",
    "another ecosystem",
    "withdrawn",
    "removed by a whiteout",
];

/// One affected span: `[introduced, fixed)` or `[introduced, last_affected]`.
#[derive(Clone, Default)]
struct Span {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
}

impl Span {
    fn events(&self) -> Vec<Value> {
        let mut events = vec![json!({ "introduced": self.introduced.as_deref().unwrap_or("0") })];
        if let Some(fixed) = &self.fixed {
            events.push(json!({ "fixed": fixed }));
        }
        if let Some(last) = &self.last_affected {
            events.push(json!({ "last_affected": last }));
        }
        events
    }
}

struct Advisory {
    id: String,
    package: String,
    ecosystem: &'static str,
    spans: Vec<Span>,
    withdrawn: bool,
}

/// Per package (`installed`: name, version) one advisory per range shape; plus
/// advisories for `removed`, a package a whiteout took out of the image. Served
/// under `prefix` (e.g. `/osv/`).
pub fn feed(installed: &[(String, String)], removed: &(String, String), prefix: &str) -> Feed {
    let mut advisories = Vec::new();
    let mut judged = Vec::new();
    let mut next = 0;
    let mut add = |package: &str, ecosystem, spans: Vec<Span>, withdrawn, branch| {
        next += 1;
        let id = format!("PYSEC-2099-{next}");
        advisories.push(Advisory {
            id: id.clone(),
            package: package.to_string(),
            ecosystem,
            spans,
            withdrawn,
        });
        judged.push(Judged {
            package: package.to_string(),
            vulnerability: id,
            branch,
            vulnerable: false,
        });
    };
    let span = |introduced: Option<String>, fixed: Option<String>, last: Option<String>| Span {
        introduced,
        fixed,
        last_affected: last,
    };
    for (name, v) in installed {
        let (above, far_above) = (format!("{v}.post1"), format!("{v}.post2"));
        let (below, far_below) = (format!("{v}rc1"), format!("{v}.dev0"));
        let shapes = [
            span(None, Some(above.clone()), None),
            span(None, Some(below.clone()), None),
            // Equal in PEP 440, spelt differently.
            span(None, Some(format!("{v}.0")), None),
            span(Some(above.clone()), Some(far_above.clone()), None),
            span(None, None, None),
            span(Some(far_below.clone()), None, Some(v.clone())),
            span(None, None, Some(below.clone())),
        ];
        for shape in shapes {
            add(name, "PyPI", vec![shape], false, "");
        }
        // Fixed once, reintroduced in the installed version.
        let two = vec![
            span(None, Some(below.clone()), None),
            span(Some(v.clone()), Some(above.clone()), None),
        ];
        add(name, "PyPI", two, false, "");
        add(
            name,
            "npm",
            vec![Span::default()],
            false,
            "another ecosystem",
        );
        add(name, "PyPI", vec![Span::default()], true, "withdrawn");
    }
    add(
        &removed.0,
        "PyPI",
        vec![Span::default()],
        false,
        "removed by a whiteout",
    );

    // The oracle orders each bound against the installed version.
    let versions: HashMap<&str, &str> = installed
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mut pairs = Vec::new();
    for a in &advisories {
        let Some(v) = versions.get(a.package.as_str()) else {
            continue;
        };
        for s in &a.spans {
            for bound in [&s.introduced, &s.fixed, &s.last_affected]
                .into_iter()
                .flatten()
            {
                pairs.push((v.to_string(), bound.clone()));
            }
        }
    }
    let answers = oracle_compare(&pypi_python(), "pep440", &pairs);
    let mut answer = answers.into_iter();
    for (a, j) in advisories.iter().zip(&mut judged) {
        if !versions.contains_key(a.package.as_str()) {
            continue;
        }
        let mut hits = Vec::new();
        for s in &a.spans {
            // Answers come in the order the bounds were asked.
            let mut cmp = |bound: &Option<String>| bound.as_ref().map(|_| answer.next().unwrap());
            let (introduced, fixed, last) =
                (cmp(&s.introduced), cmp(&s.fixed), cmp(&s.last_affected));
            let after_start = introduced.is_none_or(|c| c >= 0);
            let before_end = match (fixed, last) {
                (Some(c), _) => c < 0,
                (None, Some(c)) => c <= 0,
                (None, None) => true,
            };
            hits.push((after_start, before_end, fixed.is_some(), last.is_some()));
        }
        let vulnerable = hits.iter().any(|(start, end, ..)| *start && *end);
        if j.branch.is_empty() {
            let (start, end, has_fixed, has_last) = hits[0];
            j.branch = if a.spans.len() > 1 {
                "in the second range"
            } else if !start {
                "introduced later"
            } else if has_fixed {
                if end {
                    "below the fix"
                } else {
                    "at or above the fix"
                }
            } else if has_last {
                if end {
                    "at or below last_affected"
                } else {
                    "above last_affected"
                }
            } else {
                "no fix"
            };
        }
        j.vulnerable = vulnerable && a.ecosystem == "PyPI" && !a.withdrawn;
    }
    let entries: Vec<(String, Vec<u8>)> = advisories
        .iter()
        .map(|a| {
            (
                format!("{}.json", a.id),
                serde_json::to_vec_pretty(&osv(a)).unwrap(),
            )
        })
        .collect();
    let files = HashMap::from([
        (
            format!("{prefix}ecosystems.txt"),
            b"Debian:12\nGo\nPyPI\nnpm\n".to_vec(),
        ),
        (format!("{prefix}PyPI/all.zip"), zip(&entries)),
    ]);
    Feed { files, judged }
}

/// The advisory in OSV's schema (1.6), as osv.dev exports it.
fn osv(a: &Advisory) -> Value {
    let purl_type = if a.ecosystem == "PyPI" { "pypi" } else { "npm" };
    let ranges: Vec<Value> = a
        .spans
        .iter()
        .map(|s| json!({ "type": "ECOSYSTEM", "events": s.events() }))
        .collect();
    let mut advisory = json!({
        "schema_version": "1.6.0",
        "id": a.id,
        "modified": "2024-03-01T00:00:00Z",
        "published": "2024-02-01T00:00:00Z",
        "aliases": [a.id.replace("PYSEC", "CVE")],
        "details": format!("A generated flaw in {}.", a.package),
        "affected": [{
            "package": {
                "ecosystem": a.ecosystem,
                "name": a.package,
                "purl": format!("pkg:{purl_type}/{}", a.package),
            },
            "ranges": ranges,
        }],
        "references": [{ "type": "ADVISORY", "url": format!("https://example.org/advisories/{}", a.id) }],
        "severity": [{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N" }],
    });
    if a.withdrawn {
        advisory["withdrawn"] = json!("2024-03-02T00:00:00Z");
    }
    advisory
}
