//! Set `alpine`: Alpine's secdb (`https://secdb.alpinelinux.org/`).
//!
//! One updater per release and repository, `alpine-<repo>-<release>-updater` (repo
//! `main` or `community`, release `v3.18` or `edge`), each downloading
//! `<url><release>/<repo>.json`. Releases come from `updaters.config.alpine.releases`
//! (a Scry addition: `["v3.18", "edge"]`) or else are discovered by HEAD requests for
//! `v3.3/`, `v3.4/`, … (then `v4.0/`, …) until one is missing, plus `edge`.
//!
//! secdb JSON: `{"distroversion", "reponame", "packages": [{"pkg": {"name",
//! "secfixes": {"<fixed version>": ["CVE-…", …]}}}]}`; one vulnerability per (fixed
//! version, id), `"0"` meaning "never affected". Fingerprint: ETag / Last-Modified.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufReader, Read};

use futures::FutureExt;
use futures::future::BoxFuture;
use scry_model::{Distribution, Vulnerability, zero_time};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::debian::batch::Batcher;
use crate::debian::fingerprint;
use crate::debian::tracker::source_package;
use crate::{Download, FetchContext, Fetched, Sink, SinkError, Updater, UpdaterError, UpdaterSet};

pub const SET_NAME: &str = "alpine";
pub const DEFAULT_URL: &str = "https://secdb.alpinelinux.org/";
pub const REPOS: [&str; 2] = ["main", "community"];
const FILE_KEY: &str = "secdb.json";
/// The first release with a `community` repository in secdb.
const FIRST_MINOR_OF_3: u32 = 3;

#[derive(Default)]
pub struct AlpineSet;

impl UpdaterSet for AlpineSet {
    fn name(&self) -> &str {
        SET_NAME
    }

    fn updaters<'a>(
        &'a self,
        ctx: &'a FetchContext,
    ) -> BoxFuture<'a, Result<Vec<Box<dyn Updater>>, UpdaterError>> {
        async move {
            let base = base_url(
                ctx.setting(SET_NAME, "url")
                    .as_deref()
                    .unwrap_or(DEFAULT_URL),
            );
            let releases = match ctx.config.get(SET_NAME).and_then(|c| c.get("releases")) {
                Some(value) => configured_releases(value)?,
                None => discover(ctx, &base).await?,
            };
            let mut updaters: Vec<Box<dyn Updater>> = Vec::new();
            for release in &releases {
                for repo in REPOS {
                    updaters.push(Box::new(AlpineUpdater::new(&base, release, repo)));
                }
            }
            Ok(updaters)
        }
        .boxed()
    }
}

fn base_url(url: &str) -> String {
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

fn configured_releases(value: &serde_json::Value) -> Result<Vec<String>, UpdaterError> {
    let bad = || UpdaterError::Config {
        updater: SET_NAME.into(),
        reason: format!("releases must be a list like [\"v3.18\", \"edge\"], not {value}"),
    };
    let list = value.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|item| {
            let text = item.as_str().ok_or_else(bad)?;
            if text == "edge" || parse_release(text).is_some() {
                Ok(text.to_string())
            } else {
                Err(bad())
            }
        })
        .collect()
}

/// `v3.18` → (3, 18).
fn parse_release(release: &str) -> Option<(u32, u32)> {
    let (major, minor) = release.strip_prefix('v')?.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Walks `v3.3/`, `v3.4/`, … while the server has them, then the next major, and adds
/// `edge` if present.
async fn discover(ctx: &FetchContext, base: &str) -> Result<Vec<String>, UpdaterError> {
    let mut releases = Vec::new();
    let mut major = 3;
    loop {
        let mut minor = if major == 3 { FIRST_MINOR_OF_3 } else { 0 };
        let first = minor;
        while exists(ctx, &format!("{base}v{major}.{minor}/")).await? {
            releases.push(format!("v{major}.{minor}"));
            minor += 1;
        }
        if minor == first {
            break;
        }
        major += 1;
    }
    if releases.is_empty() {
        return Err(UpdaterError::Parse {
            what: base.to_string(),
            reason: format!("no release directory (v3.{FIRST_MINOR_OF_3}/ and up) was found"),
        });
    }
    if exists(ctx, &format!("{base}edge/")).await? {
        releases.push("edge".into());
    }
    Ok(releases)
}

async fn exists(ctx: &FetchContext, url: &str) -> Result<bool, UpdaterError> {
    let response = ctx
        .client
        .head(url)
        .send()
        .await
        .map_err(|err| UpdaterError::Fetch {
            url: url.to_string(),
            reason: error_chain(&err),
        })?;
    match response.status().as_u16() {
        200..=299 => Ok(true),
        404 | 403 => Ok(false),
        status => Err(UpdaterError::Status {
            url: url.to_string(),
            status,
        }),
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text += &format!(": {cause}");
        source = cause.source();
    }
    text
}

pub struct AlpineUpdater {
    name: String,
    url: String,
    distribution: Distribution,
}

impl AlpineUpdater {
    /// `release` is `v3.18` or `edge`; `repo` is `main` or `community`.
    pub fn new(base_url: &str, release: &str, repo: &str) -> AlpineUpdater {
        AlpineUpdater {
            name: format!("alpine-{repo}-{release}-updater"),
            url: format!("{}{release}/{repo}.json", self::base_url(base_url)),
            distribution: distribution(release),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// What the alpine-matcher compares: DID, name and pretty name (os-release scanning
/// reports `Alpine Linux v3.18` for any 3.18.x).
pub fn distribution(release: &str) -> Distribution {
    let version_id = release.strip_prefix('v').unwrap_or(release);
    let pretty_name = match release {
        "edge" => "Alpine Linux edge".to_string(),
        _ => format!("Alpine Linux v{version_id}"),
    };
    Distribution {
        did: "alpine".into(),
        name: "Alpine Linux".into(),
        version_id: version_id.into(),
        pretty_name,
        ..Distribution::default()
    }
}

impl Updater for AlpineUpdater {
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
        let file = std::fs::File::open(path).map_err(|err| UpdaterError::Io {
            what: format!("opening {what}"),
            source: err,
        })?;
        let mut out = Batcher::new(sink);
        parse_secdb(BufReader::new(file), &what, &self.distribution, &mut out)?;
        tracing::info!(updater = %self.name, vulnerabilities = out.total, "parsed");
        Ok(())
    }
}

#[derive(Deserialize)]
struct PackageEntry {
    pkg: SecfixedPackage,
}

#[derive(Deserialize)]
struct SecfixedPackage {
    name: String,
    /// Fixed version → ids; real files have `null` lists and `null` items here and there.
    #[serde(default)]
    secfixes: Option<BTreeMap<String, Option<Vec<Option<String>>>>>,
}

/// Parses one secdb file, one package entry in memory at a time.
pub fn parse_secdb(
    reader: impl Read,
    what: &str,
    distribution: &Distribution,
    out: &mut Batcher<'_>,
) -> Result<(), UpdaterError> {
    let mut emit = Emit {
        distribution,
        out,
        sink_error: None,
        saw_packages: false,
    };
    let mut json = serde_json::Deserializer::from_reader(reader);
    let result = RootSeed(&mut emit)
        .deserialize(&mut json)
        .and_then(|()| json.end());
    if let Some(err) = emit.sink_error {
        return Err(err.into());
    }
    result.map_err(|err| UpdaterError::Parse {
        what: what.to_string(),
        reason: err.to_string(),
    })?;
    if !emit.saw_packages {
        return Err(UpdaterError::Parse {
            what: what.to_string(),
            reason: "no \"packages\" list: not a secdb file".into(),
        });
    }
    emit.out.flush()?;
    Ok(())
}

struct Emit<'a, 'b> {
    distribution: &'a Distribution,
    out: &'a mut Batcher<'b>,
    sink_error: Option<SinkError>,
    saw_packages: bool,
}

impl Emit<'_, '_> {
    fn package<E: de::Error>(&mut self, entry: PackageEntry) -> Result<(), E> {
        let package = entry.pkg;
        for (fixed, ids) in package.secfixes.unwrap_or_default() {
            // An item may hold several ids: "CVE-2018-7540 XSA-252".
            let ids = ids.unwrap_or_default().into_iter().flatten();
            for id in ids.flat_map(|item| {
                item.split_whitespace()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            }) {
                let vulnerability = Vulnerability {
                    links: format!("https://security.alpinelinux.org/vuln/{id}"),
                    name: id,
                    issued: zero_time(),
                    // secdb states no severity.
                    normalized_severity: "Unknown".into(),
                    package: Some(source_package(&package.name)),
                    distribution: Some(self.distribution.clone()),
                    fixed_in_version: fixed.clone(),
                    ..Vulnerability::default()
                };
                if let Err(err) = self.out.push(vulnerability) {
                    self.sink_error = Some(err);
                    return Err(E::custom("the sink failed"));
                }
            }
        }
        Ok(())
    }
}

struct RootSeed<'s, 'a, 'b>(&'s mut Emit<'a, 'b>);

impl<'de> DeserializeSeed<'de> for RootSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a secdb object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "packages" {
                self.0.saw_packages = true;
                map.next_value_seed(PackagesSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct PackagesSeed<'s, 'a, 'b>(&'s mut Emit<'a, 'b>);

impl<'de> DeserializeSeed<'de> for PackagesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PackagesSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of packages")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while let Some(entry) = seq.next_element::<PackageEntry>()? {
            self.0.package(entry)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_urls_and_distributions() {
        let updater = AlpineUpdater::new("http://h/secdb", "v3.18", "community");
        assert_eq!(updater.name(), "alpine-community-v3.18-updater");
        assert_eq!(updater.url(), "http://h/secdb/v3.18/community.json");
        assert_eq!(distribution("v3.18").pretty_name, "Alpine Linux v3.18");
        assert_eq!(distribution("v3.18").version_id, "3.18");
        assert_eq!(distribution("edge").pretty_name, "Alpine Linux edge");
        assert_eq!(distribution("edge").version_id, "edge");
        assert_eq!(parse_release("v3.9"), Some((3, 9)));
        assert_eq!(parse_release("3.9"), None);
    }
}
