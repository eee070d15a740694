//! `/matcher/api/v1/…` and the indexer's internal `affected_manifest`, as Clair serves them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scry_matcher::{LiveMatchers, MatcherService, ReportOutcome};
use scry_model::{AffectedManifestsRequest, Digest, UpdateKind};
use scry_store::IndexStore;

use crate::error::ApiError;
use crate::indexer_api::INDEX_REPORT_TYPE;
use crate::params::{optional_uuid, parse_uuid};

const AFFECTED_TYPE: &str = "application/vnd.clair.affected_manifests.v1+json";

/// The matcher routes' state.
pub struct MatcherApi {
    pub service: Arc<MatcherService>,
    /// `Cache-Control: max-age` of vulnerability reports (`matcher.cache_age`).
    pub cache_age: Duration,
}

/// The affected-manifest route's state: the indexer's store and the matchers that judge.
pub struct AffectedApi {
    pub store: IndexStore,
    /// Replaced whole when matcher plugins change.
    pub matchers: Arc<LiveMatchers>,
}

fn json_body(
    status: StatusCode,
    content_type: &'static str,
    body: &impl serde::Serialize,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(err) => ApiError::internal(format!("encoding response: {err}")).into_response(),
    }
}

pub async fn vulnerability_report(
    State(api): State<Arc<MatcherApi>>,
    Path(digest): Path<String>,
) -> Result<Response, ApiError> {
    let digest: Digest = digest
        .parse()
        .map_err(|err: scry_model::DigestError| ApiError::bad_request(err.to_string()))?;
    let digest = digest.to_string();
    match api
        .service
        .vulnerability_report(&digest)
        .await
        .map_err(ApiError::internal)?
    {
        ReportOutcome::NotInitialized => Ok(StatusCode::ACCEPTED.into_response()),
        ReportOutcome::NotIndexed => Err(ApiError::not_found(format!(
            "index report for manifest {digest:?} not found"
        ))),
        ReportOutcome::Report(report) => {
            // Clair labels this response with the index report's media type.
            let mut response = json_body(StatusCode::OK, INDEX_REPORT_TYPE, &report);
            let max_age = format!("max-age={}", api.cache_age.as_secs());
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_str(&max_age).expect("ascii"),
            );
            Ok(response)
        }
    }
}

fn parse_kind(query: &HashMap<String, String>) -> Result<UpdateKind, ApiError> {
    match query.get("kind").map(String::as_str) {
        None | Some("") => Ok(UpdateKind::Vulnerability),
        Some(kind) => UpdateKind::parse(kind)
            .ok_or_else(|| ApiError::bad_request(format!("unknown kind {kind:?}"))),
    }
}

/// Go's `strconv.ParseBool`, which Clair uses for `latest`.
fn parse_bool(text: &str) -> Result<bool, ApiError> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" | "" => Ok(false),
        other => Err(ApiError::bad_request(format!(
            "bad value for latest: {other:?}"
        ))),
    }
}

pub async fn update_operations(
    State(api): State<Arc<MatcherApi>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let kind = parse_kind(&query)?;
    let latest = parse_bool(query.get("latest").map_or("", String::as_str))?;
    let store = api.service.store();
    let latest_ref = store
        .latest_ref(kind)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    let etag = latest_ref.map(|r| format!("\"{r}\""));
    if let Some(etag) = &etag {
        let matched = headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v == etag);
        if matched {
            return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag.clone())]).into_response());
        }
    }
    let operations = store
        .update_operations(kind, latest)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    let mut response = json_body(StatusCode::OK, "application/json", &operations);
    if let Some(etag) = etag {
        response.headers_mut().insert(
            header::ETAG,
            HeaderValue::from_str(&etag).expect("uuid is ascii"),
        );
    }
    Ok(response)
}

/// `GET …/update_operation/{ref}`: one operation (Scry's addition; Clair has only DELETE).
pub async fn update_operation(
    State(api): State<Arc<MatcherApi>>,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let reference = parse_uuid("update operation ref", &reference)?;
    match api.service.store().update_operation(&reference).await {
        Ok(operation) => Ok(json_body(StatusCode::OK, "application/json", &operation)),
        Err(scry_store::StoreError::NotFound { what }) => {
            Err(ApiError::not_found(format!("{what} not found")))
        }
        Err(err) => Err(ApiError::internal(err.to_string())),
    }
}

pub async fn delete_update_operation(
    State(api): State<Arc<MatcherApi>>,
    Path(reference): Path<String>,
) -> Result<StatusCode, ApiError> {
    let reference = parse_uuid("update operation ref", &reference)?;
    api.service
        .store()
        .delete_update_operations(&[reference])
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(StatusCode::OK)
}

pub async fn update_diff(
    State(api): State<Arc<MatcherApi>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let cur = query
        .get("cur")
        .ok_or_else(|| ApiError::bad_request("cur is required"))?;
    let cur = parse_uuid("cur", cur)?;
    let prev = optional_uuid(&query, "prev")?;
    let diff = api
        .service
        .store()
        .update_diff(prev.as_deref(), &cur)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(json_body(StatusCode::OK, "application/json", &diff))
}

pub async fn affected_manifests(
    State(api): State<Arc<AffectedApi>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: AffectedManifestsRequest = serde_json::from_slice(&body).map_err(|err| {
        ApiError::bad_request(format!("failed to deserialize vulnerabilities: {err}"))
    })?;
    let affected = scry_matcher::affected_manifests(
        &api.store,
        &api.matchers.current(),
        request.vulnerabilities,
    )
    .await
    .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(json_body(StatusCode::OK, AFFECTED_TYPE, &affected))
}
