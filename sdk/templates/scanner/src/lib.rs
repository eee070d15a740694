//! Reports Ruby gems installed in an image, from `*/specifications/*.gemspec`.
//!
//! A gemspec is Ruby, but installed ones are generated and carry plain assignments such
//! as `s.name = "rack".freeze` and `s.version = "2.2.4"`; reading those two lines is
//! enough, and never runs anything.
//!
//! Configuration (Clair's `indexer.scanner.package.gemspec` block): `repository_uri`,
//! the gem server the packages are reported from (a private mirror), default
//! rubygems.org.

use scry_sdk::config::{self, Config};
use scry_sdk::scanner::{
    Findings, Identity, LayerFile, Package, Repository, ScanError, Scanner, Wants,
};

const RUBYGEMS: &str = "https://rubygems.org/gems/";

/// Bump whenever the same files would yield different packages: the host keys cached
/// layer results by it, and a new version changes `index_state` (Quay re-indexes).
const VERSION: &str = "1";

pub struct Gemspecs;

impl Scanner for Gemspecs {
    fn identify() -> Identity {
        Identity::package("gemspec", VERSION)
    }

    /// Rejects a `repository_uri` that is not an http(s) URL, naming the setting.
    fn configure(config: &Config) -> Result<(), String> {
        match config.get("repository_uri") {
            Some(uri) if !uri.starts_with("https://") && !uri.starts_with("http://") => Err(
                format!("repository_uri must be an http(s) URL, not {uri:?}"),
            ),
            _ => Ok(()),
        }
    }

    fn wanted() -> Wants {
        Wants::globs(["**/specifications/*.gemspec"])
    }

    fn scan(files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let mut findings = Findings::empty();
        for file in &files {
            let text = String::from_utf8_lossy(&file.read_all()).into_owned();
            let Some((name, version)) = parse_gemspec(&text) else {
                return Err(ScanError::malformed(
                    &file.path,
                    "no s.name / s.version assignment",
                ));
            };
            let gem = Package::binary(name, version)
                .with_package_db(format!("ruby:{}", file.dir()))
                .with_file_path(&file.path);
            findings.packages.push(gem);
        }
        if !findings.packages.is_empty() {
            let uri = config::current().get("repository_uri").unwrap_or(RUBYGEMS);
            let rubygems = Repository::new("rubygems", "", uri, "");
            findings.repositories.push(rubygems);
        }
        Ok(findings)
    }
}

scry_sdk::export_scanner!(Gemspecs);

/// `(name, version)` from the `<var>.name = "…"` and `<var>.version = "…"` lines.
pub fn parse_gemspec(text: &str) -> Option<(String, String)> {
    let mut name = None;
    let mut version = None;
    for line in text.lines() {
        let line = line.trim();
        let Some((target, value)) = line.split_once('=') else {
            continue;
        };
        let field = target.trim().rsplit('.').next().unwrap_or_default();
        let slot = match field {
            "name" if name.is_none() => &mut name,
            "version" if version.is_none() => &mut version,
            _ => continue,
        };
        *slot = quoted(value);
    }
    Some((name?, version?))
}

/// The first double- or single-quoted string in `value`.
fn quoted(value: &str) -> Option<String> {
    let start = value.find(['"', '\''])?;
    let quote = value[start..].chars().next()?;
    let rest = &value[start + 1..];
    let end = rest.find(quote)?;
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_generated_gemspec_assignments() {
        let spec = "# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"rack\".freeze\n  s.version = \"2.2.4\"\n  s.required_rubygems_version = Gem::Requirement.new(\">= 0\".freeze)\nend\n";
        assert_eq!(parse_gemspec(spec), Some(("rack".into(), "2.2.4".into())));
    }

    #[test]
    fn a_repository_uri_must_be_http() {
        let ftp = Config::from_pairs([("repository_uri", "ftp://gems.internal/")]);
        assert!(
            Gemspecs::configure(&ftp)
                .unwrap_err()
                .contains("repository_uri")
        );
        let mirror = Config::from_pairs([("repository_uri", "https://gems.internal/")]);
        assert_eq!(Gemspecs::configure(&mirror), Ok(()));
    }

    #[test]
    fn missing_version_is_none() {
        assert_eq!(parse_gemspec("s.name = 'x'\n"), None);
    }
}
