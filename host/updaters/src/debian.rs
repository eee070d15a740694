//! Set `debian`: the Debian security tracker's JSON.
//!
//! One updater, `debian/updater`, downloads `json_url` (default
//! `https://security-tracker.debian.org/tracker/data/json`) and emits one vulnerability
//! per (source package, CVE, release) for the releases the mirror knows: the set asks
//! `<mirror_url>debian/dists/` (default mirror `https://deb.debian.org/`) for suites and
//! reads each `dists/<codename>/Release` for its version. Scry also accepts
//! `releases: {"bookworm": "12", …}` to skip the mirror (air-gapped runs, tests).
//!
//! Fingerprint: the tracker's ETag and Last-Modified (sent back as If-None-Match /
//! If-Modified-Since) and the release list; a changed release list downloads afresh.
//!
//! `fingerprint` and `batch` are shared with the `ubuntu` and `alpine` sets.

pub(crate) mod batch;
pub(crate) mod fingerprint;
pub mod releases;
pub mod tracker;

use std::io::BufReader;

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::{Download, FetchContext, Fetched, Sink, Updater, UpdaterError, UpdaterSet};
use batch::Batcher;
use releases::Releases;
pub use tracker::{TrackerEntry, tracker_json};

pub const SET_NAME: &str = "debian";
pub const UPDATER_NAME: &str = "debian/updater";
pub const DEFAULT_JSON_URL: &str = "https://security-tracker.debian.org/tracker/data/json";
pub const DEFAULT_MIRROR_URL: &str = "https://deb.debian.org/";
/// Clair's keys from before the JSON tracker; Clair rejects them, so does Scry.
const OLD_KEYS: [&str; 3] = ["url", "oval_url", "dists_url"];
const FILE_KEY: &str = "tracker.json";

#[derive(Default)]
pub struct DebianSet;

impl UpdaterSet for DebianSet {
    fn name(&self) -> &str {
        SET_NAME
    }

    fn updaters<'a>(
        &'a self,
        ctx: &'a FetchContext,
    ) -> BoxFuture<'a, Result<Vec<Box<dyn Updater>>, UpdaterError>> {
        async move {
            let config = ctx.config.get(SET_NAME);
            if let Some(old) = OLD_KEYS
                .iter()
                .find(|key| config.and_then(|c| c.get(**key)).is_some())
            {
                return Err(UpdaterError::Config {
                    updater: SET_NAME.into(),
                    reason: format!(
                        "key {old:?} is no longer supported; use json_url and mirror_url"
                    ),
                });
            }
            let json_url = ctx
                .setting(SET_NAME, "json_url")
                .unwrap_or_else(|| DEFAULT_JSON_URL.into());
            let releases = match config.and_then(|c| c.get("releases")) {
                Some(value) => releases::from_config(value)?,
                None => {
                    let mirror = ctx
                        .setting(SET_NAME, "mirror_url")
                        .unwrap_or_else(|| DEFAULT_MIRROR_URL.into());
                    releases::discover(ctx, &mirror).await?
                }
            };
            let updater: Box<dyn Updater> = Box::new(DebianUpdater { json_url, releases });
            Ok(vec![updater])
        }
        .boxed()
    }
}

pub struct DebianUpdater {
    pub json_url: String,
    pub releases: Releases,
}

impl Updater for DebianUpdater {
    fn name(&self) -> &str {
        UPDATER_NAME
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a FetchContext,
        prev_fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, UpdaterError>> {
        async move {
            let context = releases::context(&self.releases);
            fingerprint::fetch_file(
                ctx,
                &self.json_url,
                FILE_KEY,
                prev_fingerprint,
                Some(&context),
            )
            .await
        }
        .boxed()
    }

    fn parse(&self, download: &Download, sink: &mut dyn Sink) -> Result<(), UpdaterError> {
        let path = download.file(FILE_KEY)?;
        let what = format!("{} (downloaded from {})", path.display(), self.json_url);
        let file = std::fs::File::open(path).map_err(|err| UpdaterError::Io {
            what: format!("opening {what}"),
            source: err,
        })?;
        let mut out = Batcher::new(sink);
        tracker::parse(BufReader::new(file), &what, &self.releases, &mut out)?;
        tracing::info!(
            updater = UPDATER_NAME,
            vulnerabilities = out.total,
            "parsed"
        );
        Ok(())
    }
}
