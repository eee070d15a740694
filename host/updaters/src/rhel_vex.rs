//! The `rhel-vex` set: Red Hat's CSAF VEX documents, one per CVE, as one delta updater.
//!
//! First run (or an updater version change): `archive_latest.txt` names a `.tar.zst` of
//! every document; it is streamed (zstd → tar → one JSON document at a time). Documents
//! that `changes.csv` lists after the archive's date are fetched one by one. Later runs
//! fetch only `changes.csv` / `deletions.csv` (conditionally, by ETag) and the documents
//! changed or deleted since the previous request. Deleted documents withdraw their CVE
//! through [`Sink::deleted`].
//!
//! Config (`updaters.config["rhel-vex"]`): `url` (default [`DEFAULT_URL`]). Fingerprint:
//! `changesEtag\deletionsEtag\requestTime(RFC 3339)\updaterVersion`.

mod changes;
mod csaf;
mod purl;

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use futures::FutureExt;
use futures::future::BoxFuture;
use scry_model::Vulnerability;
use time::OffsetDateTime;

use crate::{
    BATCH, Conditional, Download, FetchContext, Fetched, Response, Sink, Updater, UpdaterError,
    UpdaterSet,
};
use changes::{Fingerprint, UPDATER_VERSION};
pub use csaf::REPOSITORY_KEY;

pub const NAME: &str = "rhel-vex";
pub const DEFAULT_URL: &str = "https://security.access.redhat.com/data/csaf/v2/vex/";
/// Red Hat's older documents predate the VEX data quality the matcher relies on.
const FIRST_YEAR: u32 = 2015;

const ARCHIVE_PREFIX: &str = "archive:";
const DOC_PREFIX: &str = "doc:";
const DELETED: &str = "deleted";
const CHANGES: &str = "changes.csv";
const DELETIONS: &str = "deletions.csv";

#[derive(Debug, Default)]
pub struct RhelVexSet;

impl UpdaterSet for RhelVexSet {
    fn name(&self) -> &str {
        NAME
    }

    fn updaters<'a>(
        &'a self,
        ctx: &'a FetchContext,
    ) -> BoxFuture<'a, Result<Vec<Box<dyn Updater>>, UpdaterError>> {
        async move {
            let updater: Box<dyn Updater> = Box::new(RhelVexUpdater::from_config(ctx)?);
            Ok(vec![updater])
        }
        .boxed()
    }
}

#[derive(Debug)]
pub struct RhelVexUpdater {
    /// Ends in `/`.
    url: String,
}

impl RhelVexUpdater {
    pub fn from_config(ctx: &FetchContext) -> Result<RhelVexUpdater, UpdaterError> {
        let mut url = ctx
            .setting(NAME, "url")
            .unwrap_or_else(|| DEFAULT_URL.into());
        url::Url::parse(&url).map_err(|err| UpdaterError::Config {
            updater: NAME.into(),
            reason: format!("url {url:?}: {err}"),
        })?;
        if !url.ends_with('/') {
            url.push('/');
        }
        Ok(RhelVexUpdater { url })
    }

    /// The newest archive's file name, from `archive_latest.txt`.
    async fn latest_archive(
        &self,
        ctx: &FetchContext,
        download: &mut Download,
    ) -> Result<String, UpdaterError> {
        let url = format!("{}archive_latest.txt", self.url);
        let path = download.path_for("archive_latest.txt");
        ctx.download(&url, &Conditional::default(), &path).await?;
        let name = read_small(&path, &url)?.trim().to_string();
        let plain =
            !name.is_empty() && !name.contains(['/', '\\', '?', '#']) && !name.starts_with('.');
        if !plain || !name.ends_with(".tar.zst") {
            return Err(UpdaterError::Parse {
                what: url,
                reason: format!("{name:?} is not a .tar.zst file name"),
            });
        }
        Ok(name)
    }
}

impl Updater for RhelVexUpdater {
    fn name(&self) -> &str {
        NAME
    }

    fn delta(&self) -> bool {
        true
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a FetchContext,
        prev_fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, UpdaterError>> {
        async move {
            let request_time = OffsetDateTime::now_utc();
            let prev = prev_fingerprint
                .and_then(Fingerprint::parse)
                .filter(|fp| fp.version == UPDATER_VERSION);
            let mut download = Download::new(String::new())?;
            // Changes after `cutoff` are fetched document by document.
            let cutoff = match &prev {
                Some(fp) => Some(fp.request_time),
                None => {
                    let name = self.latest_archive(ctx, &mut download).await?;
                    let path = download.path_for(&format!("{ARCHIVE_PREFIX}{name}"));
                    let url = format!("{}{name}", self.url);
                    ctx.download(&url, &Conditional::default(), &path).await?;
                    archive_date(&name)
                }
            };
            let etag_of = |etag: Option<&String>| Conditional {
                etag: etag.filter(|e| !e.is_empty()).cloned(),
                last_modified: None,
            };
            let changes = self
                .csv(
                    ctx,
                    &mut download,
                    CHANGES,
                    etag_of(prev.as_ref().map(|p| &p.changes_etag)),
                )
                .await?;
            let deletions = self
                .csv(
                    ctx,
                    &mut download,
                    DELETIONS,
                    etag_of(prev.as_ref().map(|p| &p.deletions_etag)),
                )
                .await?;
            if prev.is_some() && changes.is_none() && deletions.is_none() {
                return Ok(Fetched::Unchanged);
            }
            if let (Some((path, _)), Some(cutoff)) = (&changes, cutoff) {
                let entries =
                    changes::read_after(open_buffered(path, CHANGES)?, Some(cutoff), CHANGES)
                        .map_err(|reason| parse_error(CHANGES, reason))?;
                for entry in entries {
                    let url = format!("{}{}", self.url, entry.path);
                    let doc = download.path_for(&format!("{DOC_PREFIX}{}", entry.path));
                    ctx.download(&url, &Conditional::default(), &doc).await?;
                }
            }
            let mut deleted = String::new();
            if let (Some((path, _)), Some(cutoff)) = (&deletions, cutoff) {
                let entries =
                    changes::read_after(open_buffered(path, DELETIONS)?, Some(cutoff), DELETIONS)
                        .map_err(|reason| parse_error(DELETIONS, reason))?;
                for entry in entries {
                    deleted += &entry.name();
                    deleted.push('\n');
                }
            }
            let deleted_path = download.path_for(DELETED);
            std::fs::write(&deleted_path, deleted).map_err(|err| UpdaterError::Io {
                what: "writing the list of deleted documents".into(),
                source: err,
            })?;
            let keep = |fetched: Option<(std::path::PathBuf, String)>, old: Option<&String>| {
                fetched
                    .map(|(_, etag)| etag)
                    .or_else(|| old.cloned())
                    .unwrap_or_default()
            };
            download.fingerprint = Fingerprint {
                changes_etag: keep(changes, prev.as_ref().map(|p| &p.changes_etag)),
                deletions_etag: keep(deletions, prev.as_ref().map(|p| &p.deletions_etag)),
                request_time,
                version: UPDATER_VERSION.into(),
            }
            .render();
            Ok(Fetched::Changed(download))
        }
        .boxed()
    }

    fn parse(&self, download: &Download, sink: &mut dyn Sink) -> Result<(), UpdaterError> {
        let mut out = Output {
            sink,
            batch: Vec::with_capacity(BATCH),
            deleted: Vec::new(),
        };
        let docs: Vec<(&str, &std::path::PathBuf)> = download
            .files
            .iter()
            .filter_map(|(key, path)| Some((key.strip_prefix(DOC_PREFIX)?, path)))
            .collect();
        // Documents fetched one by one are newer than the archive's copies.
        let fresh: HashSet<String> = docs.iter().map(|(p, _)| changes::name_of(p)).collect();
        let archive = download
            .files
            .iter()
            .find_map(|(key, path)| Some((key.strip_prefix(ARCHIVE_PREFIX)?, path)));
        if let Some((name, path)) = archive {
            self.parse_archive(name, path, &fresh, &mut out)?;
        }
        for (doc_path, path) in docs {
            let what = format!("{NAME} {}{doc_path}", self.url);
            let document = read_document(open_buffered(path, &what)?, &what)?;
            out.document(document)?;
        }
        let deleted = read_small(download.file(DELETED)?, DELETED)?;
        out.deleted.extend(
            deleted
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
        out.finish()
    }
}

impl RhelVexUpdater {
    /// Streams `name` (zstd → tar), one document in memory at a time.
    fn parse_archive(
        &self,
        name: &str,
        path: &Path,
        fresh: &HashSet<String>,
        out: &mut Output<'_>,
    ) -> Result<(), UpdaterError> {
        let what = format!("{NAME} archive {name}");
        let file = File::open(path).map_err(|err| UpdaterError::Io {
            what: format!("opening {what}"),
            source: err,
        })?;
        let zstd = zstd::stream::read::Decoder::new(file)
            .map_err(|err| parse_error(&what, err.to_string()))?;
        let mut tar = tar::Archive::new(zstd);
        let entries = tar
            .entries()
            .map_err(|err| parse_error(&what, err.to_string()))?;
        let mut last: Option<String> = None;
        for entry in entries {
            let entry = entry.map_err(|err| {
                let which = match &last {
                    Some(path) => format!("the entry after {path}"),
                    None => "the first entry".into(),
                };
                parse_error(&what, format!("reading {which}: {err}"))
            })?;
            let entry_path = entry
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            last = Some(entry_path.clone());
            if !entry.header().entry_type().is_file() || !wanted(&entry_path) {
                continue;
            }
            if fresh.contains(&changes::name_of(&entry_path)) {
                continue;
            }
            let entry_what = format!("{what} entry {entry_path}");
            let document = read_document(BufReader::new(entry), &entry_what)?;
            out.document(document)?;
        }
        Ok(())
    }
}

/// A `.json` document in a year directory from [`FIRST_YEAR`] on.
fn wanted(path: &str) -> bool {
    let mut parts = path.trim_start_matches("./").rsplit('/');
    let (Some(file), Some(year)) = (parts.next(), parts.next()) else {
        return false;
    };
    file.ends_with(".json") && year.parse::<u32>().is_ok_and(|y| y >= FIRST_YEAR)
}

fn read_document(reader: impl Read, what: &str) -> Result<csaf::Document, UpdaterError> {
    serde_json::from_reader(reader).map_err(|err| parse_error(what, err.to_string()))
}

/// Where mapped records go, batched.
struct Output<'s> {
    sink: &'s mut dyn Sink,
    batch: Vec<Vulnerability>,
    deleted: Vec<String>,
}

impl Output<'_> {
    fn document(&mut self, document: csaf::Document) -> Result<(), UpdaterError> {
        let mapped = document.map(NAME);
        self.deleted.extend(mapped.deleted);
        self.batch.extend(mapped.vulnerabilities);
        if self.batch.len() >= BATCH {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            self.sink.vulnerabilities(batch)?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), UpdaterError> {
        if !self.batch.is_empty() {
            self.sink.vulnerabilities(std::mem::take(&mut self.batch))?;
        }
        self.deleted.sort();
        self.deleted.dedup();
        for names in self.deleted.chunks(BATCH) {
            self.sink.deleted(names.to_vec())?;
        }
        Ok(())
    }
}

impl RhelVexUpdater {
    /// GETs a CSV unless unchanged since `conditional`: its path and ETag, or `None`.
    async fn csv(
        &self,
        ctx: &FetchContext,
        download: &mut Download,
        name: &str,
        conditional: Conditional,
    ) -> Result<Option<(std::path::PathBuf, String)>, UpdaterError> {
        let url = format!("{}{name}", self.url);
        let path = download.path_for(name);
        match ctx.download(&url, &conditional, &path).await? {
            Response::NotModified => Ok(None),
            Response::Downloaded { etag, .. } => Ok(Some((path, etag.unwrap_or_default()))),
        }
    }
}

/// The day in `csaf_vex_2024-03-21.tar.zst`, as the cutoff for changes after it.
fn archive_date(name: &str) -> Option<OffsetDateTime> {
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|start| {
        let text = name.get(start..start + 10)?;
        let mut parts = text.split('-');
        let year: i32 = parts.next().filter(|p| p.len() == 4)?.parse().ok()?;
        let month: u8 = parts.next().filter(|p| p.len() == 2)?.parse().ok()?;
        let day: u8 = parts.next().filter(|p| p.len() == 2)?.parse().ok()?;
        let month = time::Month::try_from(month).ok()?;
        let date = time::Date::from_calendar_date(year, month, day).ok()?;
        Some(date.midnight().assume_utc())
    })
}

fn parse_error(what: &str, reason: String) -> UpdaterError {
    UpdaterError::Parse {
        what: what.to_string(),
        reason,
    }
}

fn open_buffered(path: &Path, what: &str) -> Result<impl BufRead, UpdaterError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|err| UpdaterError::Io {
            what: format!("opening {what}"),
            source: err,
        })
}

fn read_small(path: &Path, what: &str) -> Result<String, UpdaterError> {
    std::fs::read_to_string(path).map_err(|err| UpdaterError::Io {
        what: format!("reading {what}"),
        source: err,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_dates_and_wanted_paths() {
        let date = archive_date("csaf_vex_2024-03-21.tar.zst").unwrap();
        assert_eq!((date.year(), date.month() as u8, date.day()), (2024, 3, 21));
        assert_eq!(archive_date("latest.tar.zst"), None);
        assert!(wanted("2023/cve-2023-0286.json"));
        assert!(wanted("./2015/cve-2015-0001.json"));
        assert!(!wanted("2014/cve-2014-0160.json"));
        assert!(!wanted("index.txt"));
        assert!(!wanted("cve-2023-0286.json"));
    }
}
