//! The `clair.cvss` enrichment set: CVSS v3 data per CVE from NVD's yearly JSON 2.0
//! feeds (`nvdcve-2.0-<year>.meta` and `.json.gz`).
//!
//! Config (`updaters.config["clair.cvss"]`): `feed_root` (default [`DEFAULT_FEED_ROOT`]),
//! and, Scry's own, `first_year` / `last_year` (defaults 2002 and the current year).
//! Fingerprint: JSON `{"<year>": "<sha256 from the .meta>", …}`; unchanged metas mean
//! no download of the feeds.

mod feed;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};

use futures::FutureExt;
use futures::future::BoxFuture;
use scry_model::UpdateKind;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{
    BATCH, Conditional, Download, FetchContext, Fetched, Sink, Updater, UpdaterError, UpdaterSet,
};

pub const SET: &str = "clair.cvss";
pub const DEFAULT_FEED_ROOT: &str = "https://nvd.nist.gov/feeds/json/cve/2.0/";
const FIRST_NVD_YEAR: i32 = 2002;

#[derive(Debug, Default)]
pub struct CvssSet;

impl UpdaterSet for CvssSet {
    fn name(&self) -> &str {
        SET
    }

    fn updaters<'a>(
        &'a self,
        ctx: &'a FetchContext,
    ) -> BoxFuture<'a, Result<Vec<Box<dyn Updater>>, UpdaterError>> {
        async move {
            let updater: Box<dyn Updater> = Box::new(CvssUpdater::from_config(ctx)?);
            Ok(vec![updater])
        }
        .boxed()
    }
}

/// The one enrichment updater of the set.
#[derive(Debug)]
pub struct CvssUpdater {
    feed_root: String,
    years: std::ops::RangeInclusive<i32>,
}

impl CvssUpdater {
    pub fn from_config(ctx: &FetchContext) -> Result<CvssUpdater, UpdaterError> {
        let mut feed_root = ctx
            .setting(SET, "feed_root")
            .unwrap_or_else(|| DEFAULT_FEED_ROOT.into());
        url::Url::parse(&feed_root)
            .map_err(|err| config_error(format!("feed_root {feed_root:?}: {err}")))?;
        // Clair insists on the slash; adding it is kinder and means the same.
        if !feed_root.ends_with('/') {
            feed_root.push('/');
        }
        let this_year = time::OffsetDateTime::now_utc().year();
        let first = year_setting(ctx, "first_year")?.unwrap_or(FIRST_NVD_YEAR);
        let last = year_setting(ctx, "last_year")?.unwrap_or(this_year);
        if first > last {
            return Err(config_error(format!(
                "first_year {first} is after last_year {last}"
            )));
        }
        Ok(CvssUpdater {
            feed_root,
            years: first..=last,
        })
    }

    fn url(&self, file: &str) -> String {
        format!("{}{file}", self.feed_root)
    }
}

fn config_error(reason: String) -> UpdaterError {
    UpdaterError::Config {
        updater: SET.into(),
        reason,
    }
}

/// A year as a JSON number or string.
fn year_setting(ctx: &FetchContext, key: &str) -> Result<Option<i32>, UpdaterError> {
    let Some(value) = ctx.config.get(SET).and_then(|c| c.get(key)) else {
        return Ok(None);
    };
    let year = match value {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    year.map(Some)
        .ok_or_else(|| config_error(format!("{key} must be a year, not {value}")))
}

fn meta_name(year: i32) -> String {
    format!("nvdcve-2.0-{year}.meta")
}

fn feed_name(year: i32) -> String {
    format!("nvdcve-2.0-{year}.json.gz")
}

impl Updater for CvssUpdater {
    fn name(&self) -> &str {
        SET
    }

    fn kind(&self) -> UpdateKind {
        UpdateKind::Enrichment
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a FetchContext,
        prev_fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, UpdaterError>> {
        async move {
            let mut download = Download::new(String::new())?;
            let mut hashes = BTreeMap::new();
            for year in self.years.clone() {
                let name = meta_name(year);
                let path = download.path_for(&name);
                ctx.download(&self.url(&name), &Conditional::default(), &path)
                    .await?;
                hashes.insert(year.to_string(), meta_sha256(&path, &name)?);
            }
            download.fingerprint =
                serde_json::to_string(&hashes).expect("a map of strings serializes");
            if prev_fingerprint == Some(download.fingerprint.as_str()) {
                return Ok(Fetched::Unchanged);
            }
            // An operation holds every year, so a change in one fetches them all.
            for year in self.years.clone() {
                let name = feed_name(year);
                let path = download.path_for(&name);
                ctx.download(&self.url(&name), &Conditional::default(), &path)
                    .await?;
            }
            Ok(Fetched::Changed(download))
        }
        .boxed()
    }

    fn parse(&self, download: &Download, sink: &mut dyn Sink) -> Result<(), UpdaterError> {
        let mut batch = Vec::with_capacity(BATCH);
        for year in self.years.clone() {
            let name = feed_name(year);
            let meta = meta_name(year);
            let want = meta_sha256(download.file(&meta)?, &meta)?;
            let parse_err = |reason: String| UpdaterError::Parse {
                what: format!("{SET} {name}"),
                reason,
            };
            let file = File::open(download.file(&name)?).map_err(|err| UpdaterError::Io {
                what: format!("opening {SET} {name}"),
                source: err,
            })?;
            let mut hashing = HashingReader {
                inner: flate2::read::GzDecoder::new(BufReader::new(file)),
                hasher: Sha256::new(),
            };
            let result = feed::read(BufReader::new(&mut hashing), |record| {
                batch.push(record);
                if batch.len() >= BATCH {
                    sink.enrichments(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))?;
                }
                Ok::<(), crate::SinkError>(())
            });
            match result {
                Ok(()) => {}
                Err(feed::FeedError::Callback(err)) => return Err(err.into()),
                Err(feed::FeedError::Json(err)) => return Err(parse_err(err.to_string())),
            }
            // The .meta hashes the uncompressed JSON: a torn or stale download shows here.
            let got = hex::encode(hashing.hasher.finalize());
            if !got.eq_ignore_ascii_case(&want) {
                return Err(parse_err(format!(
                    "SHA-256 of the JSON is {got}, {meta} says {want}"
                )));
            }
        }
        if !batch.is_empty() {
            sink.enrichments(batch)?;
        }
        Ok(())
    }
}

/// The `sha256:` line of a `.meta` file (`key:value` lines).
fn meta_sha256(path: &std::path::Path, name: &str) -> Result<String, UpdaterError> {
    let text = std::fs::read_to_string(path).map_err(|err| UpdaterError::Io {
        what: format!("reading {SET} {name}"),
        source: err,
    })?;
    text.lines()
        .filter_map(|line| line.trim().split_once(':'))
        .find(|(key, _)| *key == "sha256")
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| UpdaterError::Parse {
            what: format!("{SET} {name}"),
            reason: "no sha256:<64 hex digits> line".into(),
        })
}

/// Hashes what passes through, to check a feed against its `.meta`.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
