//! Where a layer's raw bytes come from: a file, a byte range of a file, or an HTTP GET.

use std::{fmt, io, path::PathBuf, pin::Pin};

use futures::TryStreamExt as _;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncSeekExt as _};
use tokio_util::io::StreamReader;

use crate::LayerError;

/// How many bytes of an error response body end up in the error message.
const ERROR_BODY_MAX: usize = 256;

/// One layer to read: its declared digest and where its blob is.
#[derive(Debug, Clone)]
pub struct Layer {
    /// `sha256:<hex>` or `sha512:<hex>` of the blob as stored (compressed).
    pub digest: String,
    pub source: LayerSource,
}

#[derive(Clone)]
pub enum LayerSource {
    File(PathBuf),
    /// A layer stored inside another file, e.g. a `docker save` archive.
    FileRange {
        path: PathBuf,
        offset: u64,
        len: u64,
    },
    /// GET with these headers, sent as given (they usually carry credentials).
    Http {
        uri: String,
        headers: Vec<(String, String)>,
    },
}

/// Header values and query strings hold credentials: never print them.
impl fmt::Debug for LayerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerSource::File(path) => f.debug_tuple("File").field(path).finish(),
            LayerSource::FileRange { path, offset, len } => f
                .debug_struct("FileRange")
                .field("path", path)
                .field("offset", offset)
                .field("len", len)
                .finish(),
            LayerSource::Http { uri, headers } => {
                let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
                f.debug_struct("Http")
                    .field("uri", &redact_url(uri))
                    .field("headers", &names)
                    .finish()
            }
        }
    }
}

impl LayerSource {
    /// How errors name this source: a path, or a URL without its query string.
    pub(crate) fn origin(&self) -> String {
        match self {
            LayerSource::File(path) => path.display().to_string(),
            LayerSource::FileRange { path, offset, len } => {
                format!("{} (bytes {offset}+{len})", path.display())
            }
            LayerSource::Http { uri, .. } => redact_url(uri),
        }
    }
}

pub(crate) type RawStream<'a> = Pin<Box<dyn AsyncRead + Send + 'a>>;

/// Opens the source; reading the returned stream yields the blob's raw bytes.
pub(crate) async fn open<'a>(
    layer: &'a Layer,
    http: &reqwest::Client,
) -> Result<RawStream<'a>, LayerError> {
    let digest = || layer.digest.clone();
    match &layer.source {
        LayerSource::File(path) => {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|source| LayerError::Open {
                    digest: digest(),
                    path: path.clone(),
                    source,
                })?;
            Ok(Box::pin(file))
        }
        LayerSource::FileRange { path, offset, len } => {
            let open_error = |source| LayerError::Open {
                digest: digest(),
                path: path.clone(),
                source,
            };
            let mut file = tokio::fs::File::open(path).await.map_err(open_error)?;
            let file_len = file.metadata().await.map_err(open_error)?.len();
            if offset.checked_add(*len).is_none_or(|end| end > file_len) {
                return Err(LayerError::RangeOutsideFile {
                    digest: digest(),
                    path: path.clone(),
                    offset: *offset,
                    len: *len,
                    file_len,
                });
            }
            file.seek(io::SeekFrom::Start(*offset))
                .await
                .map_err(open_error)?;
            Ok(Box::pin(file.take(*len)))
        }
        LayerSource::Http { uri, headers } => get(&layer.digest, uri, headers, http).await,
    }
}

async fn get<'a>(
    digest: &str,
    uri: &str,
    headers: &[(String, String)],
    http: &reqwest::Client,
) -> Result<RawStream<'a>, LayerError> {
    let request_error = |source: reqwest::Error| LayerError::Request {
        digest: digest.to_owned(),
        url: redact_url(uri),
        // reqwest puts the full URL, query included, into its messages.
        source: source.without_url(),
    };
    let mut request = http.get(uri);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let mut response = request.send().await.map_err(request_error)?;
    let status = response.status();
    if !status.is_success() {
        let mut body = Vec::new();
        while body.len() < ERROR_BODY_MAX {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                // The status is the news; a body that fails to arrive adds nothing.
                Ok(None) | Err(_) => break,
            }
        }
        body.truncate(ERROR_BODY_MAX);
        return Err(LayerError::HttpStatus {
            digest: digest.to_owned(),
            url: redact_url(uri),
            status: status.as_u16(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    let body = response
        .bytes_stream()
        .map_err(|err| io::Error::other(err.without_url()));
    Ok(Box::pin(StreamReader::new(body)))
}

/// The URL without user info, query string or fragment, which may hold credentials
/// (pre-signed registry URLs carry their signature in the query).
pub(crate) fn redact_url(uri: &str) -> String {
    match reqwest::Url::parse(uri) {
        Ok(mut url) => {
            let had_query = url.query().is_some();
            url.set_query(None);
            url.set_fragment(None);
            // Both fail only for URLs that cannot have user info; nothing to hide then.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            let mut shown = url.to_string();
            if had_query {
                shown.push_str("?<redacted>");
            }
            shown
        }
        Err(_) => match uri.split_once(['?', '#']) {
            Some((base, _)) => format!("{base}?<redacted>"),
            None => uri.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_drops_credentials() {
        assert_eq!(
            redact_url("https://user:pw@blob.example/v2/x/blobs/sha256:ab?X-Amz-Signature=s3cr3t"),
            "https://blob.example/v2/x/blobs/sha256:ab?<redacted>"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:8080/layer"),
            "http://127.0.0.1:8080/layer"
        );
        assert_eq!(redact_url("not a url?token=1"), "not a url?<redacted>");
    }
}
