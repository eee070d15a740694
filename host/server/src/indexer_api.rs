//! `/indexer/api/v1/…`, as Clair serves it.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scry_indexer::{IndexFailure, IndexerService};
use scry_model::{Digest, IndexState, Manifest};

use crate::error::ApiError;

pub const INDEX_REPORT_TYPE: &str = "application/vnd.clair.index_report.v1+json";
const INDEX_STATE_TYPE: &str = "application/vnd.clair.index_state.v1+json";

/// `"S"`: Clair's ETag is the index state in quotes.
fn etag(state: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{state}\"")).expect("hex is a valid header value")
}

fn if_none_match(headers: &HeaderMap, state: &str) -> bool {
    let wanted = format!("\"{state}\"");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.split(',').any(|tag| tag.trim() == wanted))
}

fn json(status: StatusCode, content_type: &'static str, body: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(err) => ApiError::internal(format!("encoding response: {err}")).into_response(),
    }
}

fn parse_digest(text: &str) -> Result<Digest, ApiError> {
    text.parse()
        .map_err(|err: scry_model::DigestError| ApiError::bad_request(err.to_string()))
}

pub async fn index_state(
    State(indexer): State<Arc<IndexerService>>,
    headers: HeaderMap,
) -> Response {
    let state = &indexer.index_state();
    if if_none_match(&headers, state) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag(state))]).into_response();
    }
    let mut response = json(
        StatusCode::OK,
        INDEX_STATE_TYPE,
        &IndexState {
            state: state.to_string(),
        },
    );
    response.headers_mut().insert(header::ETAG, etag(state));
    response
}

pub async fn post_index_report(
    State(indexer): State<Arc<IndexerService>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let manifest: Manifest = serde_json::from_slice(&body)
        .map_err(|err| ApiError::bad_request(format!("failed to deserialize manifest: {err}")))?;
    if manifest.hash.is_empty() || manifest.layers.is_empty() {
        return Err(ApiError::bad_request(
            "bogus manifest: hash and layers are required",
        ));
    }
    let digest = parse_digest(&manifest.hash)?;
    let state = indexer.index_state().to_string();
    if if_none_match(&headers, &state) {
        return Ok(StatusCode::PRECONDITION_FAILED.into_response());
    }
    let report = match indexer.index(manifest).await {
        Ok(report) => report,
        Err(IndexFailure::BadManifest(why)) => return Err(ApiError::bad_request(why)),
        Err(IndexFailure::BadLayer(why)) => {
            return Err(ApiError::bad_request(format!(
                "failed to start scan: {why}"
            )));
        }
        Err(IndexFailure::Failed(why)) => {
            return Err(ApiError::internal(format!("failed to start scan: {why}")));
        }
    };
    let mut response = json(StatusCode::CREATED, INDEX_REPORT_TYPE, &report);
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag(&state));
    let location = format!("/indexer/api/v1/index_report/{digest}");
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(&location).expect("digest is ascii"),
    );
    for link in [
        format!("<{location}>; rel=\"https://projectquay.io/clair/v1/index_report\""),
        format!(
            "</matcher/api/v1/vulnerability_report/{digest}>; rel=\"https://projectquay.io/clair/v1/vulnerability_report\""
        ),
    ] {
        headers.append(
            header::LINK,
            HeaderValue::from_str(&link).expect("digest is ascii"),
        );
    }
    Ok(response)
}

pub async fn get_index_report(
    State(indexer): State<Arc<IndexerService>>,
    Path(digest): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let digest = parse_digest(&digest)?;
    let state = indexer.index_state().to_string();
    if if_none_match(&headers, &state) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag(&state))]).into_response());
    }
    let report = indexer
        .report(&digest)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?
        .ok_or_else(|| ApiError::not_found(format!("index report for {digest} not found")))?;
    let mut response = json(StatusCode::OK, INDEX_REPORT_TYPE, &report);
    response.headers_mut().insert(header::ETAG, etag(&state));
    Ok(response)
}

pub async fn delete_index_report(
    State(indexer): State<Arc<IndexerService>>,
    Path(digest): Path<String>,
) -> Result<StatusCode, ApiError> {
    let digest = parse_digest(&digest)?;
    indexer
        .delete(&[digest])
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_index_reports(
    State(indexer): State<Arc<IndexerService>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let digests: Vec<String> = serde_json::from_slice(&body).map_err(|err| {
        ApiError::bad_request(format!("failed to deserialize digest list: {err}"))
    })?;
    let digests = digests
        .iter()
        .map(|d| parse_digest(d))
        .collect::<Result<Vec<_>, _>>()?;
    let deleted = indexer
        .delete(&digests)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(Json(deleted).into_response())
}
