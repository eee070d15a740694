//! Layer sources: HTTP from a real loopback server, byte ranges of a file.

mod common;

use std::sync::Arc;

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use common::*;
use scry_layers::{Layer, LayerError, LayerSource, Limits, read_layer};

const TOKEN: &str = "Bearer s3cr3t-token";
const PRESIGNED: &str = "X-Amz-Signature=presigned-secret";

async fn blob(State(blob): State<Arc<Vec<u8>>>, headers: HeaderMap) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("authorization") != Some(TOKEN) {
        let body = "authentication required: no bearer token";
        return (StatusCode::UNAUTHORIZED, body).into_response();
    }
    if header("x-scry-test") != Some("as-given") {
        return (StatusCode::BAD_REQUEST, "missing x-scry-test").into_response();
    }
    blob.to_vec().into_response()
}

/// Serves `layer` at `/v2/app/blobs/{digest}` on a loopback port; returns the base URL.
async fn serve(layer: Vec<u8>) -> String {
    let app = axum::Router::new()
        .route("/v2/app/blobs/{digest}", get(blob))
        .with_state(Arc::new(layer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn http_layer(base: &str, blob: &[u8], headers: &[(&str, &str)]) -> Layer {
    let digest = sha256(blob);
    Layer {
        source: LayerSource::Http {
            uri: format!("{base}/v2/app/blobs/{digest}?{PRESIGNED}"),
            headers: headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        },
        digest,
    }
}

async fn read_from(layer: &Layer) -> Result<scry_layers::LayerFiles, LayerError> {
    read_layer(
        layer,
        &router(&[globs(&["etc/os-release"])]),
        &Limits::default(),
        &reqwest::Client::new(),
        &|_| {},
    )
    .await
}

fn os_layer() -> Vec<u8> {
    gzip(&tar(&[
        Symlink("etc/os-release", "../usr/lib/os-release"),
        file("usr/lib/os-release", b"ID=ubuntu\n"),
    ]))
}

#[tokio::test]
async fn http_with_the_given_headers() {
    let blob = os_layer();
    let base = serve(blob.clone()).await;
    let layer = http_layer(
        &base,
        &blob,
        &[("Authorization", TOKEN), ("X-Scry-Test", "as-given")],
    );
    let files = read_from(&layer).await.unwrap();
    assert_eq!(
        summary(&files),
        [("etc/os-release".into(), b"ID=ubuntu\n".to_vec(), vec![0])]
    );
    assert_eq!(files.stats.compressed_bytes, blob.len() as u64);
    // Credentials stay out of debug output.
    let shown = format!("{layer:?}");
    assert!(
        !shown.contains("s3cr3t") && !shown.contains("presigned-secret"),
        "{shown}"
    );
}

#[tokio::test]
async fn http_status_errors_name_status_url_and_body() {
    let blob = os_layer();
    let base = serve(blob.clone()).await;
    let layer = http_layer(&base, &blob, &[("X-Scry-Test", "as-given")]);
    let err = read_from(&layer).await.unwrap_err();
    let LayerError::HttpStatus {
        status, url, body, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*status, 401);
    assert_eq!(body, "authentication required: no bearer token");
    let path = format!("{base}/v2/app/blobs/{}", sha256(&blob));
    assert_eq!(url, &format!("{path}?<redacted>"));
    let message = err.to_string();
    for part in ["401", &path, &sha256(&blob), "no bearer token"] {
        assert!(message.contains(part), "{part} not in {message}");
    }
    assert!(!message.contains("presigned-secret"), "{message}");
}

#[tokio::test]
async fn http_connection_errors_name_the_url() {
    // A port that was just free and is closed again.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let blob = os_layer();
    let err = read_from(&http_layer(&base, &blob, &[])).await.unwrap_err();
    assert!(matches!(err, LayerError::Request { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&base) && message.contains(&sha256(&blob)),
        "{message}"
    );
    assert!(!message.contains("presigned-secret"), "{message}");
}

#[tokio::test]
async fn a_layer_inside_a_larger_file() {
    // As in a `docker save` archive: the blob sits at some offset among other bytes.
    let blob = zstd(&tar(&[file("etc/os-release", b"ID=alpine\n")]));
    let mut archive = vec![0xAA; 12_345];
    archive.extend(&blob);
    archive.extend([0xBB; 999]);
    let stored = store(&archive);
    let layer = Layer {
        digest: sha256(&blob),
        source: LayerSource::FileRange {
            path: stored.path.clone(),
            offset: 12_345,
            len: blob.len() as u64,
        },
    };
    let files = read_from(&layer).await.unwrap();
    assert_eq!(paths(&files), ["etc/os-release"]);
    assert_eq!(files.stats.compressed_bytes, blob.len() as u64);

    let outside = Layer {
        source: LayerSource::FileRange {
            path: stored.path.clone(),
            offset: 12_345,
            len: archive.len() as u64,
        },
        ..layer
    };
    let err = read_from(&outside).await.unwrap_err();
    assert!(matches!(err, LayerError::RangeOutsideFile { .. }), "{err}");
    assert!(err.to_string().contains(&sha256(&blob)), "{err}");
}

#[tokio::test]
async fn a_missing_file_names_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-layer");
    let layer = Layer {
        digest: sha256(b""),
        source: LayerSource::File(path.clone()),
    };
    let err = read_from(&layer).await.unwrap_err();
    assert!(matches!(err, LayerError::Open { .. }), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_a_read_error_naming_the_url() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let blob = gzip(&tar(&[File(
        "usr/lib/big",
        0o644,
        (0..=255).cycle().take(300_000).collect(),
    )]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let half = blob[..blob.len() / 2].to_vec();
    let full_len = blob.len();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut byte = [0];
            if socket.read(&mut byte).await.unwrap() == 0 {
                return;
            }
            request.push(byte[0]);
        }
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {full_len}\r\n\r\n");
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(&half).await.unwrap();
        // Dropping the socket closes the connection short of Content-Length.
    });
    let layer = http_layer(&base, &blob, &[]);
    let err = read_layer(
        &layer,
        &router(&[globs(&["usr/lib/big"])]),
        &Limits::default(),
        &reqwest::Client::new(),
        &|_| {},
    )
    .await
    .unwrap_err();
    let LayerError::Read { origin, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(
        origin,
        &format!("{base}/v2/app/blobs/{}?<redacted>", sha256(&blob))
    );
    assert!(!err.to_string().contains("presigned-secret"), "{err}");
}
