//! Reading configuration files: format detection, Clair's drop-in directory, and
//! turning the document into a [`Config`] with errors that name the key.
//!
//! Every document is first read into a JSON value (YAML is converted, as Clair does),
//! drop-ins are applied to it, and only then is it decoded, so a key's path is the same
//! whichever file or format it came from.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Config;
use crate::error::ConfigError;

/// A configuration document's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// The format a file name says: `.json` is JSON; `.yaml` and `.yml` are YAML.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    /// Guesses from the content: a document whose first non-blank character is `{`
    /// is JSON, anything else YAML.
    pub fn sniff(text: &str) -> Format {
        match text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next()
        {
            Some('{') => Format::Json,
            _ => Format::Yaml,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

impl Config {
    /// Loads the configuration file at `path`, or returns the embedded defaults
    /// ([`Config::default`]) when there is none. Does not validate: see
    /// [`Config::validate`].
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            Some(path) => Config::from_file(path),
            None => Ok(Config::default()),
        }
    }

    /// Reads a configuration file and its drop-ins.
    ///
    /// The format comes from the extension (`.yaml`, `.yml`, `.json`), else from the
    /// content. Drop-ins are the files of the directory `<path>.d/` (if it exists), in
    /// lexical order: a file with the same extension as the main file is a JSON merge
    /// patch (RFC 7386) over it; one with that extension plus `-patch` (e.g.
    /// `.yaml-patch`) is a JSON patch (RFC 6902); other files are ignored.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = read(path)?;
        let format = Format::from_path(path).unwrap_or_else(|| Format::sniff(&text));
        let mut document = parse_document(&text, format, &path.display().to_string())?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or(format.name())
            .to_owned();
        apply_drop_ins(&mut document, path, &extension, format)?;
        Config::from_value(document).map_err(|err| err.in_file(path.to_path_buf()))
    }

    /// Parses a configuration document given as text.
    pub fn from_text(text: &str, format: Format) -> Result<Config, ConfigError> {
        let origin = format!("{} document", format.name());
        Config::from_value(parse_document(text, format, &origin)?)
    }

    /// Decodes an already-parsed document. Unknown keys are errors; `null` values
    /// count as absent (Go's zero values), except inside the free-form component blocks.
    pub fn from_value(mut document: Value) -> Result<Config, ConfigError> {
        if document.is_null() {
            document = Value::Object(Default::default());
        }
        if !document.is_object() {
            return Err(ConfigError::invalid(
                "(top level)",
                "a configuration must be a mapping of keys to values",
            ));
        }
        strip_nulls(&mut document, &mut Vec::new());
        serde_path_to_error::deserialize(document).map_err(decode_error)
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses YAML or JSON into a JSON value. YAML merge keys (`<<`) are applied, and an
/// empty YAML document is `null`.
fn parse_document(text: &str, format: Format, origin: &str) -> Result<Value, ConfigError> {
    let syntax = |message: String| ConfigError::Syntax {
        origin: origin.to_owned(),
        message,
    };
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| syntax(e.to_string())),
        Format::Yaml => {
            let mut yaml: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(text).map_err(|e| syntax(e.to_string()))?;
            yaml.apply_merge().map_err(|e| syntax(e.to_string()))?;
            serde_json::to_value(yaml)
                .map_err(|e| syntax(format!("cannot be represented as JSON: {e}")))
        }
    }
}

fn apply_drop_ins(
    document: &mut Value,
    path: &Path,
    extension: &str,
    format: Format,
) -> Result<(), ConfigError> {
    let mut dir = path.as_os_str().to_owned();
    dir.push(".d");
    let dir = PathBuf::from(dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(ConfigError::Read { path: dir, source }),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ConfigError::Read {
            path: dir.clone(),
            source,
        })?;
        let is_file = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file());
        if is_file {
            files.push(entry.path());
        }
    }
    files.sort();
    let patch_extension = format!("{extension}-patch");
    for file in files {
        let Some(file_extension) = file.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        let merge = file_extension == extension;
        if !merge && file_extension != patch_extension {
            continue;
        }
        let drop_in_error = |message: String| ConfigError::DropIn {
            path: file.clone(),
            message,
        };
        let text = read(&file)?;
        let patch = parse_document(&text, format, &file.display().to_string())?;
        if merge {
            json_patch::merge(document, &patch);
        } else {
            let patch: json_patch::Patch = serde_json::from_value(patch)
                .map_err(|e| drop_in_error(format!("not a JSON patch (RFC 6902): {e}")))?;
            json_patch::patch(document, &patch).map_err(|e| drop_in_error(e.to_string()))?;
        }
    }
    Ok(())
}

/// Blocks whose entries are handed to components as they are.
fn is_free_form(path: &[String]) -> bool {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    matches!(
        path.as_slice(),
        ["indexer", "scanner", "package" | "dist" | "repo"]
            | ["matchers", "config"]
            | ["updaters", "config"]
    )
}

/// Removes `null` members of mappings (Go decodes `null` as the zero value), leaving
/// free-form component blocks untouched.
fn strip_nulls(value: &mut Value, path: &mut Vec<String>) {
    if is_free_form(path) {
        return;
    }
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for (key, child) in map.iter_mut() {
                path.push(key.clone());
                strip_nulls(child, path);
                path.pop();
            }
        }
        Value::Array(items) => {
            for item in items {
                strip_nulls(item, path);
            }
        }
        _ => {}
    }
}

fn decode_error(err: serde_path_to_error::Error<serde_json::Error>) -> ConfigError {
    let path = err.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let message = err.inner().to_string();
    if let Some((field, expected)) = unknown_field(&message) {
        // The path already ends with the unknown key; its parent is where the known
        // keys live.
        let parent = path
            .strip_suffix(field)
            .map(|p| p.trim_end_matches('.'))
            .unwrap_or(&path);
        let join = |name: &str| {
            if parent.is_empty() {
                name.to_owned()
            } else {
                format!("{parent}.{name}")
            }
        };
        return ConfigError::UnknownKey {
            key: join(field),
            suggestion: closest(field, &expected).map(join),
        };
    }
    let key = if path.is_empty() {
        "(top level)".to_owned()
    } else {
        path
    };
    ConfigError::Invalid { key, message }
}

/// Picks apart serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field(message: &str) -> Option<(&str, Vec<&str>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).collect();
    Some((field, expected))
}

/// The known key most like `typed`, if it is close enough to be a likely typo.
fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let squash = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
    known
        .iter()
        .map(|candidate| {
            let distance = if squash(candidate) == squash(typed) {
                0
            } else {
                edit_distance(typed, candidate)
            };
            (distance, *candidate)
        })
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_reads_extensions() {
        assert_eq!(Format::sniff("  {\"a\": 1}"), Format::Json);
        assert_eq!(Format::sniff("\u{feff}{}"), Format::Json);
        assert_eq!(Format::sniff("a: 1"), Format::Yaml);
        assert_eq!(Format::sniff(""), Format::Yaml);
        assert_eq!(Format::from_path(Path::new("c.JSON")), Some(Format::Json));
        assert_eq!(Format::from_path(Path::new("c.yml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("config")), None);
    }

    #[test]
    fn suggests_near_misses() {
        let known = ["connstring", "scanlock_retry", "migrations", "airgap"];
        assert_eq!(closest("conn_string", &known), Some("connstring"));
        assert_eq!(closest("migration", &known), Some("migrations"));
        assert_eq!(closest("ScanLock-Retry", &known), Some("scanlock_retry"));
        assert_eq!(closest("wholly_different", &known), None);
    }

    #[test]
    fn parses_serde_unknown_field_messages() {
        let (field, expected) =
            unknown_field("unknown field `conn_string`, expected one of `connstring`, `airgap`")
                .unwrap();
        assert_eq!(field, "conn_string");
        assert_eq!(expected, ["connstring", "airgap"]);
        assert_eq!(
            unknown_field("unknown field `x`, there are no fields")
                .unwrap()
                .1,
            Vec::<&str>::new()
        );
    }
}
