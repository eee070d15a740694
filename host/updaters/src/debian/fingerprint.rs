//! Fingerprints of single-file feeds: the validators of the last download, plus what
//! else the parse depended on (e.g. Debian's release list).
//!
//! Shared by the distro updaters (debian, ubuntu, alpine): each fetches one file.

use serde::{Deserialize, Serialize};

use crate::{Conditional, Download, FetchContext, Fetched, Response, UpdaterError};

/// Downloads `url` into the file `key` of a new [`Download`] unless it is unchanged
/// since `previous`. `context` names what else the parse depends on (see
/// [`Fingerprint::context`]).
pub async fn fetch_file(
    ctx: &FetchContext,
    url: &str,
    key: &str,
    previous: Option<&str>,
    context: Option<&str>,
) -> Result<Fetched, UpdaterError> {
    let previous = previous.map(|text| Fingerprint::parse(Some(text)));
    let conditional = previous
        .as_ref()
        .map(|fp| fp.conditional(context))
        .unwrap_or_default();
    let mut download = Download::new(String::new())?;
    let path = download.path_for(key);
    let response = ctx.download(url, &conditional, &path).await?;
    let Some(fingerprint) = Fingerprint::of(&response, context) else {
        return Ok(Fetched::Unchanged);
    };
    if previous.is_some_and(|previous| fingerprint.same_as(&previous)) {
        return Ok(Fetched::Unchanged);
    }
    download.fingerprint = fingerprint.encode();
    Ok(Fetched::Changed(download))
}

/// Stored as compact JSON, e.g. `{"etag":"\"5f3-…\"","last_modified":"Tue, …"}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Inputs besides the file that change the parse; a change forces a full download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

impl Fingerprint {
    /// The fingerprint of a completed download (`None` for a 304).
    pub fn of(response: &Response, context: Option<&str>) -> Option<Fingerprint> {
        match response {
            Response::NotModified => None,
            Response::Downloaded {
                etag,
                last_modified,
                ..
            } => Some(Fingerprint {
                etag: etag.clone(),
                last_modified: last_modified.clone(),
                context: context.map(str::to_string),
            }),
        }
    }

    /// Parses a stored fingerprint; anything unreadable (another format, an older
    /// version) just means "no validators", i.e. download everything.
    pub fn parse(stored: Option<&str>) -> Fingerprint {
        stored
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings serializes")
    }

    /// The validators to send, or none when the context changed since: then the old
    /// file is no help and the server must send the whole feed again.
    pub fn conditional(&self, context: Option<&str>) -> Conditional {
        if self.context.as_deref() != context {
            return Conditional::default();
        }
        Conditional {
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        }
    }

    /// True when a 200 response carries the same validators as before (a server that
    /// ignores conditional requests): the content is the same, nothing to write.
    pub fn same_as(&self, previous: &Fingerprint) -> bool {
        let has_validator = self.etag.is_some() || self.last_modified.is_some();
        has_validator && self == previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_change() {
        let response = Response::Downloaded {
            etag: Some("\"abc\"".into()),
            last_modified: Some("Tue, 25 Nov 2025 10:00:00 GMT".into()),
            bytes: 3,
        };
        let fp = Fingerprint::of(&response, Some("bookworm=12")).unwrap();
        let back = Fingerprint::parse(Some(&fp.encode()));
        assert_eq!(back, fp);
        assert_eq!(
            back.conditional(Some("bookworm=12")).etag.as_deref(),
            Some("\"abc\"")
        );
        assert_eq!(back.conditional(Some("trixie=13")), Conditional::default());
        assert_eq!(
            Fingerprint::parse(Some("W/\"raw etag\"")),
            Fingerprint::default()
        );
        assert!(!Fingerprint::default().same_as(&Fingerprint::default()));
    }
}
