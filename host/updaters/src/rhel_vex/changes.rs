//! `changes.csv` / `deletions.csv` (`"2024/cve-2024-0001.json","2024-03-21T12:00:00+00:00"`
//! lines) and the updater's fingerprint.

use std::io::BufRead;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Bumped when the mapping changes: a different version in the stored fingerprint
/// forces a full re-ingest from the archive.
pub const UPDATER_VERSION: &str = "scry-1";

/// `changesEtag\deletionsEtag\requestTime\updaterVersion`, as the spec spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub changes_etag: String,
    pub deletions_etag: String,
    pub request_time: OffsetDateTime,
    pub version: String,
}

impl Fingerprint {
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let mut parts = text.split('\\');
        let changes_etag = parts.next()?.to_string();
        let deletions_etag = parts.next()?.to_string();
        let request_time = OffsetDateTime::parse(parts.next()?, &Rfc3339).ok()?;
        let version = parts.next()?.to_string();
        if parts.next().is_some() {
            return None;
        }
        Some(Fingerprint {
            changes_etag,
            deletions_etag,
            request_time,
            version,
        })
    }

    pub fn render(&self) -> String {
        let time = self
            .request_time
            .replace_nanosecond(0)
            .unwrap_or(self.request_time)
            .format(&Rfc3339)
            .unwrap_or_default();
        format!(
            "{}\\{}\\{time}\\{}",
            self.changes_etag, self.deletions_etag, self.version
        )
    }
}

/// One CSV line: a document path relative to the feed root and when it changed.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub time: OffsetDateTime,
}

impl Entry {
    /// `2024/cve-2024-0001.json` → `CVE-2024-0001`, the document's name.
    pub fn name(&self) -> String {
        name_of(&self.path)
    }
}

pub fn name_of(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".json")
        .unwrap_or(file)
        .to_ascii_uppercase()
}

/// Entries changed after `since` (all when `None`), newest time per path. A malformed
/// line is an error naming `what` and the line number.
pub fn read_after(
    reader: impl BufRead,
    since: Option<OffsetDateTime>,
    what: &str,
) -> Result<Vec<Entry>, String> {
    let mut out: Vec<Entry> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(|err| format!("{what}: {err}"))?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |reason: &str| format!("{what} line {}: {reason}: {line:?}", index + 1);
        let (path, time) = line
            .split_once(',')
            .ok_or_else(|| bad("expected path,time"))?;
        let path = path.trim().trim_matches('"');
        let time = OffsetDateTime::parse(time.trim().trim_matches('"'), &Rfc3339)
            .map_err(|err| bad(&format!("time: {err}")))?;
        if !safe_path(path) {
            return Err(bad("not a relative .json path"));
        }
        if since.is_some_and(|since| time <= since) {
            continue;
        }
        match seen.get(path) {
            Some(&at) => out[at].time = out[at].time.max(time),
            None => {
                seen.insert(path.to_string(), out.len());
                out.push(Entry {
                    path: path.to_string(),
                    time,
                });
            }
        }
    }
    Ok(out)
}

/// Paths are joined to the feed URL: no absolute paths, `..` or query tricks.
fn safe_path(path: &str) -> bool {
    path.ends_with(".json")
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_round_trips() {
        let fp = Fingerprint {
            changes_etag: "\"abc\"".into(),
            deletions_etag: String::new(),
            request_time: OffsetDateTime::parse("2024-03-21T12:00:00Z", &Rfc3339).unwrap(),
            version: UPDATER_VERSION.into(),
        };
        let text = fp.render();
        assert_eq!(text, "\"abc\"\\\\2024-03-21T12:00:00Z\\scry-1");
        assert_eq!(Fingerprint::parse(&text), Some(fp));
        assert_eq!(Fingerprint::parse("garbage"), None);
    }

    #[test]
    fn reads_entries_after_a_time() {
        let csv = "\"2024/cve-2024-0001.json\",\"2024-03-21T12:00:00+00:00\"\n\
                   \"2023/cve-2023-0286.json\",\"2024-03-20T00:00:00+00:00\"\n\
                   \"2024/cve-2024-0001.json\",\"2024-03-22T08:00:00+00:00\"\n";
        let since = OffsetDateTime::parse("2024-03-20T00:00:00Z", &Rfc3339).unwrap();
        let got = read_after(csv.as_bytes(), Some(since), "changes.csv").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name(), "CVE-2024-0001");
        assert_eq!(got[0].time.day(), 22);
        assert_eq!(
            read_after(csv.as_bytes(), None, "changes.csv")
                .unwrap()
                .len(),
            2
        );
        let err = read_after(
            "\"../etc/passwd.json\",\"2024-03-21T12:00:00Z\"".as_bytes(),
            None,
            "changes.csv",
        )
        .unwrap_err();
        assert!(err.contains("changes.csv line 1"), "{err}");
    }
}
