//! Reports Ruby gems installed in an image, from `*/specifications/*.gemspec`.
//!
//! A gemspec is Ruby, but installed ones are generated and carry plain assignments such
//! as `s.name = "rack".freeze` and `s.version = "2.2.4"`; reading those two lines is
//! enough, and never runs anything.

use scry_sdk::scanner::{
    Findings, Identity, LayerFile, Package, Repository, ScanError, Scanner, Wants,
};

/// Bump whenever the same files would yield different packages: the host keys cached
/// layer results by it, and a new version changes `index_state` (Quay re-indexes).
const VERSION: &str = "1";

pub struct Gemspecs;

impl Scanner for Gemspecs {
    fn identify() -> Identity {
        Identity::package("gemspec", VERSION)
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
            let rubygems = Repository::new("rubygems", "", "https://rubygems.org/gems/", "");
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
    fn missing_version_is_none() {
        assert_eq!(parse_gemspec("s.name = 'x'\n"), None);
    }
}
