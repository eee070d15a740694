//! Which Debian releases exist: codename ↔ version, from the mirror's `dists/` listing
//! and each release's `Release` file (the tracker JSON names releases by codename only).

use std::collections::BTreeMap;

use scry_model::Distribution;

use crate::{Conditional, FetchContext, Response, UpdaterError};

/// Suite aliases and suites that never carry a `Version:` (so never a stable release).
const NOT_RELEASES: [&str; 8] = [
    "stable",
    "oldstable",
    "oldoldstable",
    "oldoldoldstable",
    "testing",
    "unstable",
    "sid",
    "experimental",
];

/// A released Debian version, e.g. bookworm = 12.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub codename: String,
    /// The major version: `12` for a `Version: 12.5` Release file.
    pub version_id: String,
}

impl Release {
    /// The distribution the debian-matcher compares (DID, name, version id) and that
    /// os-release scanning reports for the same release.
    pub fn distribution(&self) -> Distribution {
        let version = format!("{} ({})", self.version_id, self.codename);
        Distribution {
            did: "debian".into(),
            name: "Debian GNU/Linux".into(),
            pretty_name: format!("Debian GNU/Linux {version}"),
            version,
            version_code_name: self.codename.clone(),
            version_id: self.version_id.clone(),
            ..Distribution::default()
        }
    }
}

/// Releases by codename.
pub type Releases = BTreeMap<String, Release>;

/// A stable text naming the release set, stored in the fingerprint.
pub fn context(releases: &Releases) -> String {
    releases
        .values()
        .map(|r| format!("{}={}", r.codename, r.version_id))
        .collect::<Vec<_>>()
        .join(",")
}

/// Asks `<mirror>debian/dists/` for its suites and reads `Release` of each candidate.
/// Suites without a `Version:` (testing, sid) are not releases and are left out.
pub async fn discover(ctx: &FetchContext, mirror_url: &str) -> Result<Releases, UpdaterError> {
    let dists = dists_url(mirror_url)?;
    let listing = get_text(ctx, dists.as_str()).await?;
    let candidates = suite_names(&listing);
    if candidates.is_empty() {
        return Err(UpdaterError::Parse {
            what: dists.to_string(),
            reason: "the listing links to no release directories".into(),
        });
    }
    let dists_ref = &dists;
    let fetches = candidates.iter().map(|name| async move {
        let dists = dists_ref;
        let url = dists
            .join(&format!("{name}/Release"))
            .map_err(|err| UpdaterError::Config {
                updater: "debian".into(),
                reason: format!("release URL for {name}: {err}"),
            })?;
        match get_text(ctx, url.as_str()).await {
            Ok(text) => Ok(parse_release_file(&text)),
            // A directory without a Release file (e.g. a README dir) is no release.
            Err(UpdaterError::Status { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    });
    let mut releases = Releases::new();
    for found in futures::future::join_all(fetches).await {
        if let Some(release) = found? {
            releases.insert(release.codename.clone(), release);
        }
    }
    if releases.is_empty() {
        return Err(UpdaterError::Parse {
            what: dists.to_string(),
            reason: "no suite has a Release file with Codename and Version".into(),
        });
    }
    Ok(releases)
}

fn dists_url(mirror_url: &str) -> Result<url::Url, UpdaterError> {
    let with_slash = if mirror_url.ends_with('/') {
        mirror_url.to_string()
    } else {
        format!("{mirror_url}/")
    };
    url::Url::parse(&with_slash)
        .and_then(|base| base.join("debian/dists/"))
        .map_err(|err| UpdaterError::Config {
            updater: "debian".into(),
            reason: format!("mirror_url {mirror_url:?}: {err}"),
        })
}

/// GETs a small text file (a listing, a Release file) through the retrying client.
async fn get_text(ctx: &FetchContext, url: &str) -> Result<String, UpdaterError> {
    let file = tempfile::NamedTempFile::new().map_err(|err| UpdaterError::Io {
        what: format!("temporary file for {url}"),
        source: err,
    })?;
    let response = ctx
        .download(url, &Conditional::default(), file.path())
        .await?;
    if response == Response::NotModified {
        return Err(UpdaterError::Fetch {
            url: url.into(),
            reason: "304 Not Modified to an unconditional request".into(),
        });
    }
    let bytes = std::fs::read(file.path()).map_err(|err| UpdaterError::Io {
        what: format!("reading the download of {url}"),
        source: err,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Directory names linked from an HTML index (`<a href="bookworm/">`) that could be
/// release codenames: lower-case letters only, so no `bookworm-updates` or `Debian12.5`.
pub fn suite_names(listing: &str) -> Vec<String> {
    let mut names: Vec<String> = listing
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter_map(|href| href.strip_suffix('/'))
        .map(|name| name.rsplit('/').next().unwrap_or(name))
        .filter(|name| !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()))
        .filter(|name| !NOT_RELEASES.contains(name))
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `Codename:` and the major of `Version:` from a Release (or InRelease) file.
pub fn parse_release_file(text: &str) -> Option<Release> {
    let field = |name: &str| {
        // Checksum lines are indented, so a field name can only match a header line.
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
            .filter(|value| !value.is_empty())
    };
    let codename = field("Codename")?;
    let major = field("Version")?.split('.').next()?;
    if !major.bytes().all(|b| b.is_ascii_digit()) || major.is_empty() {
        return None;
    }
    Some(Release {
        codename: codename.to_string(),
        version_id: major.to_string(),
    })
}

/// `updaters.config.debian.releases` (a Scry addition, for air-gapped or test setups):
/// `{"bookworm": "12", …}`, used instead of asking the mirror.
pub fn from_config(value: &serde_json::Value) -> Result<Releases, UpdaterError> {
    let bad = |reason: String| UpdaterError::Config {
        updater: "debian".into(),
        reason,
    };
    let map = value.as_object().ok_or_else(|| {
        bad("releases must map codename to version, e.g. {\"bookworm\": \"12\"}".into())
    })?;
    map.iter()
        .map(|(codename, version)| {
            let version = match version {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Number(number) => number.to_string(),
                other => {
                    return Err(bad(format!(
                        "releases.{codename}: {other} is not a version"
                    )));
                }
            };
            let major = version.split('.').next().unwrap_or_default().to_string();
            if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(format!(
                    "releases.{codename}: {version:?} is not a version"
                )));
            }
            Ok((
                codename.clone(),
                Release {
                    codename: codename.clone(),
                    version_id: major,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_and_release_files() {
        let listing = r#"<a href="../">../</a>
<a href="bookworm/">bookworm/</a> <a href="bookworm-updates/">bookworm-updates/</a>
<a href="stable/">stable/</a> <a href="sid/">sid/</a> <a href="Debian12.5/">x</a>
<a href="/debian/dists/bullseye/">bullseye/</a> <a href="README">README</a>"#;
        assert_eq!(suite_names(listing), ["bookworm", "bullseye"]);

        let release = "Origin: Debian\nLabel: Debian\nSuite: stable\nVersion: 12.12\nCodename: bookworm\nDate: Sat, 06 Sep 2025 09:46:43 UTC\n";
        assert_eq!(
            parse_release_file(release),
            Some(Release {
                codename: "bookworm".into(),
                version_id: "12".into()
            })
        );
        assert_eq!(
            parse_release_file("Suite: unstable\nCodename: sid\n"),
            None,
            "no Version: not a release"
        );
    }
}
