//! Set `ubuntu`: Canonical's CVE OVAL, one updater per release.
//!
//! The set lists Launchpad's active series (`series_url`, a Scry key, default
//! `https://api.launchpad.net/1.0/ubuntu/series`) plus `force: [{name, version}]`, and
//! makes `ubuntu/updater/<codename>` for each, downloading
//! `<url>com.ubuntu.<codename>.cve.oval.xml.bz2` (`url` default
//! `https://security-metadata.canonical.com/oval/`). A plain-XML answer is accepted
//! too: the parser looks at the bytes, not the name.
//!
//! Each `dpkginfo` criterion of a definition becomes one vulnerability per binary
//! package name (a literal or a constant variable's values): `name` = the definition
//! title, fixed version = the state's `less than` EVR (empty when the test has no
//! state: unfixed), normalized severity from the advisory. Fingerprint: ETag /
//! Last-Modified of the OVAL file.

mod oval;
pub mod series;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use futures::FutureExt;
use futures::future::BoxFuture;
use scry_model::Distribution;

use crate::debian::batch::Batcher;
use crate::debian::fingerprint;
use crate::{Download, FetchContext, Fetched, Sink, Updater, UpdaterError, UpdaterSet};
pub use oval::{normalized_severity, plausible_dpkg_version};
use series::Series;

pub const SET_NAME: &str = "ubuntu";
pub const DEFAULT_URL: &str = "https://security-metadata.canonical.com/oval/";
pub const DEFAULT_SERIES_URL: &str = "https://api.launchpad.net/1.0/ubuntu/series";
const FILE_KEY: &str = "cve.oval.xml.bz2";

#[derive(Default)]
pub struct UbuntuSet;

impl UpdaterSet for UbuntuSet {
    fn name(&self) -> &str {
        SET_NAME
    }

    fn updaters<'a>(
        &'a self,
        ctx: &'a FetchContext,
    ) -> BoxFuture<'a, Result<Vec<Box<dyn Updater>>, UpdaterError>> {
        async move {
            let config = ctx.config.get(SET_NAME);
            let base = ctx
                .setting(SET_NAME, "url")
                .unwrap_or_else(|| DEFAULT_URL.into());
            let series_url = ctx
                .setting(SET_NAME, "series_url")
                .unwrap_or_else(|| DEFAULT_SERIES_URL.into());
            let mut all = series::active(ctx, &series_url).await?;
            for forced in series::forced(config.and_then(|c| c.get("force")))? {
                if !all.iter().any(|s| s.name == forced.name) {
                    all.push(forced);
                }
            }
            Ok(all
                .iter()
                .map(|s| Box::new(UbuntuUpdater::new(&base, s)) as Box<dyn Updater>)
                .collect())
        }
        .boxed()
    }
}

pub struct UbuntuUpdater {
    name: String,
    url: String,
    distribution: Distribution,
}

impl UbuntuUpdater {
    pub fn new(base_url: &str, series: &Series) -> UbuntuUpdater {
        let slash = if base_url.ends_with('/') { "" } else { "/" };
        UbuntuUpdater {
            name: format!("ubuntu/updater/{}", series.name),
            url: format!(
                "{base_url}{slash}com.ubuntu.{}.cve.oval.xml.bz2",
                series.name
            ),
            distribution: distribution(series),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// As os-release scanning reports it: `22.04`, `jammy`, `22.04 (Jammy)`, `Ubuntu 22.04`.
pub fn distribution(series: &Series) -> Distribution {
    let mut code = series.name.chars();
    let title: String = code
        .next()
        .map(|first| first.to_uppercase().chain(code).collect())
        .unwrap_or_default();
    Distribution {
        did: "ubuntu".into(),
        name: "Ubuntu".into(),
        version: format!("{} ({title})", series.version),
        version_code_name: series.name.clone(),
        version_id: series.version.clone(),
        pretty_name: format!("Ubuntu {}", series.version),
        ..Distribution::default()
    }
}

impl Updater for UbuntuUpdater {
    fn name(&self) -> &str {
        &self.name
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a FetchContext,
        prev_fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, UpdaterError>> {
        fingerprint::fetch_file(ctx, &self.url, FILE_KEY, prev_fingerprint, None).boxed()
    }

    fn parse(&self, download: &Download, sink: &mut dyn Sink) -> Result<(), UpdaterError> {
        let path = download.file(FILE_KEY)?;
        let what = format!("{} (downloaded from {})", path.display(), self.url);
        // Two passes over the XML: decompress once, to a file next to the download.
        let xml = plain_xml(path, download.dir.path(), &what)?;
        let tables = oval::read_tables(open(&xml, &what)?, &what)?;
        let mut out = Batcher::new(sink);
        oval::emit_definitions(
            open(&xml, &what)?,
            &what,
            &tables,
            &self.distribution,
            &mut out,
        )?;
        tracing::info!(updater = %self.name, vulnerabilities = out.total, "parsed");
        Ok(())
    }
}

fn open(path: &Path, what: &str) -> Result<BufReader<File>, UpdaterError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|err| UpdaterError::Io {
            what: format!("opening {what}"),
            source: err,
        })
}

/// The download itself if it is XML, else its bzip2 decompression in `dir`.
fn plain_xml(path: &Path, dir: &Path, what: &str) -> Result<PathBuf, UpdaterError> {
    let mut magic = [0u8; 3];
    let mut file = open(path, what)?;
    let read = file.read(&mut magic).map_err(|err| UpdaterError::Io {
        what: format!("reading {what}"),
        source: err,
    })?;
    if &magic[..read] != b"BZh" {
        return Ok(path.to_path_buf());
    }
    let target = dir.join("decompressed-cve.oval.xml");
    let mut decoder = bzip2::read::MultiBzDecoder::new(open(path, what)?);
    let mut output = File::create(&target).map_err(|err| UpdaterError::Io {
        what: format!("creating {}", target.display()),
        source: err,
    })?;
    std::io::copy(&mut decoder, &mut output).map_err(|err| UpdaterError::Parse {
        what: what.to_string(),
        reason: format!("bzip2 decompression failed: {err}"),
    })?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_distribution() {
        let jammy = Series {
            name: "jammy".into(),
            version: "22.04".into(),
        };
        let updater = UbuntuUpdater::new("http://h/oval", &jammy);
        assert_eq!(updater.name(), "ubuntu/updater/jammy");
        assert_eq!(
            updater.url(),
            "http://h/oval/com.ubuntu.jammy.cve.oval.xml.bz2"
        );
        let dist = distribution(&jammy);
        assert_eq!(dist.version, "22.04 (Jammy)");
        assert_eq!(dist.pretty_name, "Ubuntu 22.04");
    }
}
