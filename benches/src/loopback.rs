//! A loopback HTTP server for files on disk (layers, feeds): each body is streamed
//! from its file, so serving a feed of any size costs the server no memory.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

type Files = Arc<HashMap<String, PathBuf>>;

/// Serves `files` (URL path without the leading `/` → file) on 127.0.0.1 until the
/// process ends; returns the address.
pub async fn serve_files(files: HashMap<String, PathBuf>) -> std::io::Result<SocketAddr> {
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::get(file))
        .with_state(Arc::new(files));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

/// Serves Clair's API routes of `services` (no auth) on 127.0.0.1 until the process
/// ends; returns `http://<addr>`.
pub async fn serve_api(services: &scry_server::Services) -> std::io::Result<String> {
    let app = scry_server::api_router(services);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}"))
}

async fn file(State(files): State<Files>, Path(path): Path<String>) -> Response {
    let Some(on_disk) = files.get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let opened = match tokio::fs::File::open(on_disk).await {
        Ok(opened) => opened,
        Err(err) => return (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    };
    let length = opened.metadata().await.map(|m| m.len()).unwrap_or_default();
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        opened,
        256 * 1024,
    ));
    ([(header::CONTENT_LENGTH, length.to_string())], body).into_response()
}
