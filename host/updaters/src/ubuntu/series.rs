//! Which Ubuntu releases to update: Launchpad's series list (the active ones) plus
//! `force`d ones from the configuration.

use serde::Deserialize;
use serde_json::Value;

use crate::{Conditional, FetchContext, UpdaterError};

/// An Ubuntu release: `jammy` = `22.04`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Series {
    pub name: String,
    pub version: String,
}

#[derive(Deserialize)]
struct Page {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    active: bool,
}

/// GETs `url` (Launchpad's `…/1.0/ubuntu/series` collection) and keeps active series.
pub async fn active(ctx: &FetchContext, url: &str) -> Result<Vec<Series>, UpdaterError> {
    let file = tempfile::NamedTempFile::new().map_err(|err| UpdaterError::Io {
        what: format!("temporary file for {url}"),
        source: err,
    })?;
    ctx.download(url, &Conditional::default(), file.path())
        .await?;
    let bytes = std::fs::read(file.path()).map_err(|err| UpdaterError::Io {
        what: format!("reading the download of {url}"),
        source: err,
    })?;
    parse_page(&bytes, url)
}

pub fn parse_page(bytes: &[u8], url: &str) -> Result<Vec<Series>, UpdaterError> {
    let page: Page = serde_json::from_slice(bytes).map_err(|err| UpdaterError::Parse {
        what: url.to_string(),
        reason: format!("not a Launchpad series collection: {err}"),
    })?;
    Ok(page
        .entries
        .into_iter()
        .filter(|e| e.active)
        .filter_map(|e| {
            Some(Series {
                version: e.version.filter(|v| !v.is_empty())?,
                name: e.name,
            })
        })
        .collect())
}

/// `force: [{"name": "jammy", "version": "22.04"}, …]`.
pub fn forced(value: Option<&Value>) -> Result<Vec<Series>, UpdaterError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    serde_json::from_value(value.clone()).map_err(|err| UpdaterError::Config {
        updater: super::SET_NAME.into(),
        reason: format!("force must be a list of {{name, version}}: {err}"),
    })
}
