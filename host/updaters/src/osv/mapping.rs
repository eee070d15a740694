//! One OSV advisory → Clair vulnerabilities: one per (affected package, range span).

use scry_model::{Package, Repository, VersionRange, Vulnerability, zero_time};

use super::advisory::{Advisory, Affected, Event, Range, Severity};
use super::semver;
use crate::cvss_score;

/// An ecosystem Scry ingests, with the repository its vulnerabilities carry (what the
/// language matchers select on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ecosystem {
    /// As OSV spells it in `ecosystems.txt` and `affected[].package.ecosystem`.
    pub osv_name: &'static str,
    pub repository_name: &'static str,
    pub repository_uri: &'static str,
}

pub const SUPPORTED: [Ecosystem; 6] = [
    Ecosystem {
        osv_name: "PyPI",
        repository_name: "pypi",
        repository_uri: "https://pypi.org/simple",
    },
    Ecosystem {
        osv_name: "npm",
        repository_name: "npm",
        repository_uri: "https://registry.npmjs.org",
    },
    Ecosystem {
        osv_name: "Maven",
        repository_name: "maven",
        repository_uri: "https://repo1.maven.apache.org/maven2",
    },
    Ecosystem {
        osv_name: "Go",
        repository_name: "go",
        repository_uri: "https://pkg.go.dev/",
    },
    Ecosystem {
        osv_name: "crates.io",
        repository_name: "crates.io",
        repository_uri: "https://crates.io",
    },
    Ecosystem {
        osv_name: "RubyGems",
        repository_name: "rubygems",
        repository_uri: "https://rubygems.org/gems/",
    },
];

impl Ecosystem {
    /// The supported ecosystem named `name` (case-insensitive; a `:release` suffix, as
    /// in `Debian:12`, is ignored).
    pub fn find(name: &str) -> Option<Ecosystem> {
        let base = name.split(':').next().unwrap_or(name).trim();
        SUPPORTED
            .into_iter()
            .find(|eco| eco.osv_name.eq_ignore_ascii_case(base))
    }

    /// `osv/pypi`, `osv/crates.io`, …
    pub fn updater_name(&self) -> String {
        format!("osv/{}", self.osv_name.to_ascii_lowercase())
    }
}

/// The vulnerabilities `advisory` states for packages of `ecosystem` (an advisory in one
/// ecosystem's archive may list packages of others: those are left to their own).
pub fn vulnerabilities(
    advisory: &Advisory,
    ecosystem: Ecosystem,
    updater: &str,
) -> Vec<Vulnerability> {
    if advisory.withdrawn.is_some() {
        return Vec::new();
    }
    let description = if advisory.details.trim().is_empty() {
        advisory.summary.clone()
    } else {
        advisory.details.clone()
    };
    let links = links(advisory);
    let mut out: Vec<Vulnerability> = Vec::new();
    for affected in &advisory.affected {
        if Ecosystem::find(&affected.package.ecosystem) != Some(ecosystem) {
            continue;
        }
        let (severity, normalized_severity) = severity(advisory, affected);
        let template = Vulnerability {
            updater: updater.to_string(),
            name: advisory.id.clone(),
            description: description.clone(),
            issued: advisory.published.clone().unwrap_or_else(zero_time),
            links: links.clone(),
            severity,
            normalized_severity: normalized_severity.to_string(),
            package: Some(package(&affected.package.name)),
            repository: Some(Repository {
                name: ecosystem.repository_name.into(),
                uri: ecosystem.repository_uri.into(),
                ..Repository::default()
            }),
            ..Vulnerability::default()
        };
        for range in &affected.ranges {
            for vulnerability in range_vulnerabilities(range, &template) {
                // Advisories repeat identical (package, range) entries; keep one.
                if !out.contains(&vulnerability) {
                    out.push(vulnerability);
                }
            }
        }
    }
    out
}

fn package(name: &str) -> Package {
    Package {
        id: String::new(),
        name: name.to_string(),
        version: String::new(),
        kind: "binary".into(),
        source: None,
        normalized_version: String::new(),
        module: String::new(),
        arch: String::new(),
        cpe: String::new(),
    }
}

/// An affected span of one range: `[introduced, fixed)` or `[introduced, last_affected]`.
#[derive(Debug, Default, PartialEq)]
struct Span {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
}

/// Pairs a range's events in order: each `introduced` opens a span, the next `fixed` or
/// `last_affected` closes it; an unclosed span is affected to the end. `introduced: "0"`
/// means "from the beginning" and is left out. `limit` bounds the search in the
/// repository, not the affected versions, so it opens or closes nothing.
fn spans(events: &[Event]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<Span> = None;
    for event in events {
        if let Some(introduced) = &event.introduced {
            out.extend(open.take());
            open = Some(Span {
                introduced: Some(introduced.clone()).filter(|v| v != "0"),
                ..Span::default()
            });
        } else if event.fixed.is_some() || event.last_affected.is_some() {
            let mut span = open.take().unwrap_or_default();
            span.fixed = event.fixed.clone();
            span.last_affected = event.last_affected.clone();
            out.push(span);
        }
    }
    out.extend(open);
    out
}

fn range_vulnerabilities(range: &Range, template: &Vulnerability) -> Vec<Vulnerability> {
    let semver_range = range.kind.eq_ignore_ascii_case("SEMVER");
    if !semver_range && !range.kind.eq_ignore_ascii_case("ECOSYSTEM") {
        return Vec::new(); // GIT ranges name commits, not package versions.
    }
    spans(&range.events)
        .into_iter()
        .map(|span| {
            let mut vulnerability = template.clone();
            // Always the query form, SEMVER too (Clair writes a bare `fixed` there):
            // Scry's Go and npm matchers apply the query rule and do not filter on
            // the normalized range, which is kept for clients that do.
            vulnerability.fixed_in_version = query(&span);
            if semver_range {
                vulnerability.range = normalized_range(&span);
            }
            vulnerability
        })
        .collect()
}

/// `introduced=…&fixed=…&lastAffected=…` (empty when the whole history is affected),
/// which the language matchers compare with the ecosystem's own version ordering.
fn query(span: &Span) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("introduced", &span.introduced),
        ("fixed", &span.fixed),
        ("lastAffected", &span.last_affected),
    ] {
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    query.finish()
}

fn normalized_range(span: &Span) -> Option<VersionRange> {
    let lower = match &span.introduced {
        Some(introduced) => semver::format(semver::parse(introduced)?),
        None => semver::ZERO.to_string(),
    };
    let upper = match (&span.fixed, &span.last_affected) {
        (Some(fixed), _) => semver::format(semver::parse(fixed)?),
        (None, Some(last)) => semver::after(last)?,
        (None, None) => semver::INFINITY.to_string(),
    };
    Some(VersionRange { lower, upper })
}

/// The feed's severity and its normalized form: a scored CVSS vector (v3, then v2),
/// else the database's own word (GHSA's `MODERATE`), else nothing.
fn severity(advisory: &Advisory, affected: &Affected) -> (String, &'static str) {
    let severities: &[Severity] = if affected.severity.is_empty() {
        &advisory.severity
    } else {
        &affected.severity
    };
    let find = |kind: &str| {
        severities
            .iter()
            .find(|s| s.kind.eq_ignore_ascii_case(kind))
    };
    if let Some(v3) = find("CVSS_V3")
        && let Some(score) = cvss_score::v3_base_score(&v3.score)
    {
        return (v3.score.clone(), cvss_score::v3_normalized(score));
    }
    if let Some(v2) = find("CVSS_V2")
        && let Some(score) = cvss_score::v2_base_score(&v2.score)
    {
        return (v2.score.clone(), cvss_score::v2_normalized(score));
    }
    let word = advisory
        .database_specific
        .as_ref()
        .and_then(|db| db.get("severity"))
        .and_then(|s| s.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty());
    // A v4 vector is kept as the feed's severity; its rating comes from the word.
    if let Some(v4) = find("CVSS_V4") {
        return (
            v4.score.clone(),
            word.map_or("Unknown", cvss_score::normalize_word),
        );
    }
    match word {
        Some(word) => (word.to_string(), cvss_score::normalize_word(word)),
        None => (String::new(), "Unknown"),
    }
}

/// References, then the advisory's osv.dev page and its aliases' (CVE aliases there let
/// the CVSS enricher find the advisory).
fn links(advisory: &Advisory) -> String {
    let mut links: Vec<String> = Vec::new();
    let osv_pages = std::iter::once(&advisory.id)
        .chain(&advisory.aliases)
        .map(|id| format!("https://osv.dev/vulnerability/{id}"));
    let references = advisory.references.iter().map(|r| r.url.trim().to_string());
    for link in references.chain(osv_pages) {
        if !link.is_empty() && !link.contains(char::is_whitespace) && !links.contains(&link) {
            links.push(link);
        }
    }
    links.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(json: &str) -> Vec<Event> {
        serde_json::from_str(json).unwrap()
    }

    fn span(introduced: Option<&str>, fixed: Option<&str>, last: Option<&str>) -> Span {
        Span {
            introduced: introduced.map(Into::into),
            fixed: fixed.map(Into::into),
            last_affected: last.map(Into::into),
        }
    }

    #[test]
    fn pairs_events_in_order() {
        let got = spans(&events(
            r#"[{"introduced":"0"},{"fixed":"1.2"},{"introduced":"2.0"},{"last_affected":"2.3"},{"introduced":"3.0"},{"limit":"*"}]"#,
        ));
        assert_eq!(
            got,
            vec![
                span(None, Some("1.2"), None),
                span(Some("2.0"), None, Some("2.3")),
                span(Some("3.0"), None, None),
            ]
        );
    }

    #[test]
    fn query_and_semver_forms() {
        let s = span(Some("1.0"), Some("1.4"), None);
        assert_eq!(query(&s), "introduced=1.0&fixed=1.4");
        assert_eq!(
            query(&span(None, None, Some("2.0.0b1"))),
            "lastAffected=2.0.0b1"
        );
        assert_eq!(query(&span(None, None, None)), "");
        let range = normalized_range(&span(None, None, Some("1.4.2"))).unwrap();
        assert_eq!(range.lower, semver::ZERO);
        assert_eq!(range.upper, "semver:0.1.4.3.0.0.0.0.0.0");
        let range = normalized_range(&span(Some("1.0.0"), None, None)).unwrap();
        assert_eq!(range.upper, semver::INFINITY);
        assert!(normalized_range(&s).is_some());
        assert!(normalized_range(&span(Some("abc"), None, None)).is_none());
    }

    #[test]
    fn finds_ecosystems() {
        assert_eq!(Ecosystem::find("pypi").unwrap().osv_name, "PyPI");
        assert_eq!(
            Ecosystem::find("crates.io").unwrap().updater_name(),
            "osv/crates.io"
        );
        assert!(Ecosystem::find("Debian:12").is_none());
        assert!(Ecosystem::find("NuGet").is_none());
    }
}
