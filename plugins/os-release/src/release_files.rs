//! The release files of one layer, as text.

use std::collections::BTreeMap;
use std::io::Read;

use scry_sdk::osrelease::{self, OsRelease};
use scry_sdk::scanner::LayerFile;

/// Release files are a few hundred bytes; anything past this is not one, and reading it
/// whole would only let a hostile layer exhaust the plugin's memory.
const MAX_RELEASE_FILE: u64 = 64 * 1024;

/// The text of each delivered file, keyed by its layer path.
#[derive(Debug, Default)]
pub struct ReleaseFiles {
    texts: BTreeMap<String, String>,
}

impl ReleaseFiles {
    pub fn from_layer(files: &[LayerFile]) -> Self {
        let texts = files
            .iter()
            .map(|file| (file.path.clone(), read_prefix(file)))
            .collect();
        ReleaseFiles { texts }
    }

    /// For tests and callers that already hold the texts.
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let texts = texts
            .into_iter()
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect();
        ReleaseFiles { texts }
    }

    pub fn text(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(String::as_str)
    }

    /// `etc/os-release`, or `usr/lib/os-release` when the layer has no usable
    /// `etc/os-release` (the former overrides the latter, as os-release(5) says).
    pub fn os_release(&self) -> Option<OsRelease> {
        ["etc/os-release", "usr/lib/os-release"]
            .into_iter()
            .filter_map(|path| self.text(path))
            .map(osrelease::parse)
            .find(|parsed| !parsed.is_empty())
    }

    pub fn lsb_release(&self) -> Option<OsRelease> {
        self.text("etc/lsb-release").map(osrelease::parse)
    }
}

fn read_prefix(file: &LayerFile) -> String {
    let mut bytes = Vec::new();
    // A short read only loses the tail of an oversized file; detection works on the rest.
    let _ = file.reader().take(MAX_RELEASE_FILE).read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
