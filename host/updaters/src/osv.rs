//! The `osv` set: OSV's per-ecosystem `all.zip` archives (<https://osv.dev>), one
//! updater per supported ecosystem (`osv/pypi`, `osv/npm`, `osv/maven`, `osv/go`,
//! `osv/crates.io`, `osv/rubygems`).
//!
//! Config (`updaters.config.osv`): `url` (default [`DEFAULT_URL`]), `allowlist` (a list
//! of ecosystem names; absent = every supported one). Fingerprint: the ETag of
//! `all.zip` (a SHA-256 of the file when the server sends none).

mod advisory;
mod mapping;
mod semver;

use std::fs::File;
use std::io::{BufReader, Read};

use futures::FutureExt;
use futures::future::BoxFuture;
use sha2::{Digest, Sha256};

use crate::{
    BATCH, Conditional, Download, FetchContext, Fetched, Response, Sink, Updater, UpdaterError,
    UpdaterSet,
};
pub use mapping::{Ecosystem, SUPPORTED};

pub const SET: &str = "osv";
pub const DEFAULT_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com/";

/// Ecosystems OSV lists that other sets (or nothing in Scry) cover: not logged as unknown.
const IGNORED: [&str; 14] = [
    "almalinux",
    "alpine",
    "android",
    "chainguard",
    "debian",
    "github actions",
    "linux",
    "opensuse",
    "oss-fuzz",
    "red hat",
    "rocky linux",
    "suse",
    "ubuntu",
    "wolfi",
];

#[derive(Debug, Default)]
pub struct OsvSet;

impl UpdaterSet for OsvSet {
    fn name(&self) -> &str {
        SET
    }

    fn updaters<'a>(
        &'a self,
        ctx: &'a FetchContext,
    ) -> BoxFuture<'a, Result<Vec<Box<dyn Updater>>, UpdaterError>> {
        async move {
            let base = base_url(ctx)?;
            let allowlist = allowlist(ctx)?;
            let url = format!("{base}ecosystems.txt");
            let file = tempfile::NamedTempFile::new().map_err(|err| UpdaterError::Io {
                what: "temporary file for ecosystems.txt".into(),
                source: err,
            })?;
            ctx.download(&url, &Conditional::default(), file.path())
                .await?;
            let listing = std::fs::read_to_string(file.path()).map_err(|err| UpdaterError::Io {
                what: format!("reading {url}"),
                source: err,
            })?;
            let mut updaters: Vec<Box<dyn Updater>> = Vec::new();
            for line in listing.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let Some(ecosystem) = Ecosystem::find(line) else {
                    let base = line.split(':').next().unwrap_or(line).to_ascii_lowercase();
                    if !IGNORED.contains(&base.as_str()) {
                        tracing::debug!(ecosystem = line, "OSV ecosystem not supported");
                    }
                    continue;
                };
                // `Maven:…`-style suffixed names repeat a supported base: once is enough.
                let taken = updaters
                    .iter()
                    .any(|u| u.name() == ecosystem.updater_name());
                let allowed = allowlist.as_ref().is_none_or(|list| {
                    list.iter()
                        .any(|a| a.eq_ignore_ascii_case(ecosystem.osv_name))
                });
                if allowed && !taken && line.eq_ignore_ascii_case(ecosystem.osv_name) {
                    updaters.push(Box::new(OsvUpdater::new(&base, ecosystem)));
                }
            }
            Ok(updaters)
        }
        .boxed()
    }
}

/// `url` from the set's config, always ending in `/`.
fn base_url(ctx: &FetchContext) -> Result<String, UpdaterError> {
    let base = ctx
        .setting(SET, "url")
        .unwrap_or_else(|| DEFAULT_URL.into());
    url::Url::parse(&base).map_err(|err| UpdaterError::Config {
        updater: SET.into(),
        reason: format!("url {base:?}: {err}"),
    })?;
    Ok(if base.ends_with('/') {
        base
    } else {
        format!("{base}/")
    })
}

fn allowlist(ctx: &FetchContext) -> Result<Option<Vec<String>>, UpdaterError> {
    let Some(value) = ctx.config.get(SET).and_then(|c| c.get("allowlist")) else {
        return Ok(None);
    };
    let bad = || UpdaterError::Config {
        updater: SET.into(),
        reason: format!("allowlist must be a list of ecosystem names, not {value}"),
    };
    let list = value.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// One ecosystem's `all.zip`.
pub struct OsvUpdater {
    name: String,
    url: String,
    ecosystem: Ecosystem,
}

impl OsvUpdater {
    /// The updater for `ecosystem` under `base` (which ends in `/`).
    pub fn new(base: &str, ecosystem: Ecosystem) -> OsvUpdater {
        OsvUpdater {
            name: ecosystem.updater_name(),
            url: format!("{base}{}/all.zip", ecosystem.osv_name),
            ecosystem,
        }
    }

    /// The archive name errors cite.
    fn archive(&self) -> String {
        format!("{} {}", self.name, self.url)
    }
}

const ARCHIVE: &str = "all.zip";
const HASH_PREFIX: &str = "sha256:";

impl Updater for OsvUpdater {
    fn name(&self) -> &str {
        &self.name
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a FetchContext,
        prev_fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, UpdaterError>> {
        async move {
            let prev = prev_fingerprint.filter(|f| !f.is_empty());
            let conditional = Conditional {
                etag: prev
                    .filter(|f| !f.starts_with(HASH_PREFIX))
                    .map(str::to_string),
                last_modified: None,
            };
            let mut download = Download::new(String::new())?;
            let path = download.path_for(ARCHIVE);
            let etag = match ctx.download(&self.url, &conditional, &path).await? {
                Response::NotModified => return Ok(Fetched::Unchanged),
                Response::Downloaded { etag, .. } => etag,
            };
            download.fingerprint = match etag {
                Some(etag) => etag,
                None => format!("{HASH_PREFIX}{}", sha256_file(&path)?),
            };
            if prev == Some(download.fingerprint.as_str()) {
                return Ok(Fetched::Unchanged);
            }
            Ok(Fetched::Changed(download))
        }
        .boxed()
    }

    fn parse(&self, download: &Download, sink: &mut dyn Sink) -> Result<(), UpdaterError> {
        let path = download.file(ARCHIVE)?;
        let file = File::open(path).map_err(|err| UpdaterError::Io {
            what: format!("opening {}", self.archive()),
            source: err,
        })?;
        let mut archive =
            zip::ZipArchive::new(BufReader::new(file)).map_err(|err| UpdaterError::Parse {
                what: self.archive(),
                reason: format!("not a readable zip archive: {err}"),
            })?;
        let mut batch = Vec::with_capacity(BATCH);
        // One entry (one advisory) in memory at a time.
        for index in 0..archive.len() {
            let entry = archive.by_index(index).map_err(|err| UpdaterError::Parse {
                what: format!("{} entry #{index}", self.archive()),
                reason: err.to_string(),
            })?;
            // Names that are not UTF-8 are still cited, lossily.
            let entry_name = String::from_utf8_lossy(entry.name_raw()).into_owned();
            if entry.is_dir() || !entry_name.ends_with(".json") {
                continue;
            }
            let advisory: advisory::Advisory = serde_json::from_reader(BufReader::new(entry))
                .map_err(|err| UpdaterError::Parse {
                    what: format!("{} entry {entry_name}", self.archive()),
                    reason: err.to_string(),
                })?;
            batch.extend(mapping::vulnerabilities(
                &advisory,
                self.ecosystem,
                &self.name,
            ));
            if batch.len() >= BATCH {
                sink.vulnerabilities(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))?;
            }
        }
        if !batch.is_empty() {
            sink.vulnerabilities(batch)?;
        }
        Ok(())
    }
}

fn sha256_file(path: &std::path::Path) -> Result<String, UpdaterError> {
    let io_err = |err| UpdaterError::Io {
        what: format!("hashing {}", path.display()),
        source: err,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
