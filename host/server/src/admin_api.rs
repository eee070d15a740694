//! `/admin/api/v1/plugins`: list, add (upload a `.wasm` with its content hash) and
//! remove scanner plugins on a running indexer. Only tokens from the admin issuer
//! (`scry-admin`) get in: a Quay token is authenticated but forbidden (403).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use scry_config::Psk;
use scry_config::psk::ADMIN_ISSUER;
use scry_indexer::registry::{Change, PluginInfo, Registry, Rejection};
use serde::Serialize;

use crate::error::ApiError;

/// The header carrying an upload's `sha256:<hex>`.
pub const CONTENT_HASH_HEADER: &str = "x-scry-content-hash";

pub struct AdminApi {
    pub registry: Arc<Registry>,
    pub max_component: usize,
}

#[derive(Serialize)]
struct Listing {
    plugins: Vec<PluginInfo>,
    index_state: String,
}

/// What a change did; `index_state_changed` tells whether Quay will re-index.
#[derive(Serialize)]
struct Changed {
    plugin: PluginInfo,
    previous_index_state: String,
    index_state: String,
    index_state_changed: bool,
}

impl From<Change> for Changed {
    fn from(change: Change) -> Changed {
        Changed {
            index_state_changed: change.swapped.state_changed(),
            plugin: change.plugin,
            previous_index_state: change.swapped.previous_state,
            index_state: change.swapped.index_state,
        }
    }
}

/// The admin routes behind their own token check (`psk` accepts any of Scry's issuers;
/// only [`ADMIN_ISSUER`] passes).
pub fn router(api: Arc<AdminApi>, psk: Psk) -> Router {
    let limit = api.max_component + 1024;
    Router::new()
        .route("/admin/api/v1/plugins", get(list).put(add))
        .route("/admin/api/v1/plugins/{name}", delete(remove))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(api)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let psk = psk.clone();
            async move {
                let authorization = request
                    .headers()
                    .get_all(header::AUTHORIZATION)
                    .iter()
                    .filter_map(|value| value.to_str().ok())
                    .find(|value| value.starts_with("Bearer "));
                if psk
                    .only_issuers([ADMIN_ISSUER])
                    .verify(authorization)
                    .is_ok()
                {
                    return next.run(request).await;
                }
                if psk.verify(authorization).is_ok() {
                    return ApiError::new(
                        StatusCode::FORBIDDEN,
                        format!("the admin API takes tokens from issuer {ADMIN_ISSUER} only"),
                    )
                    .into_response();
                }
                StatusCode::UNAUTHORIZED.into_response()
            }
        }))
}

async fn list(State(api): State<Arc<AdminApi>>) -> Response {
    let listing = Listing {
        plugins: api.registry.list().await,
        index_state: api.registry.index_state(),
    };
    axum::Json(listing).into_response()
}

async fn add(
    State(api): State<Arc<AdminApi>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let declared = headers
        .get(CONTENT_HASH_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{CONTENT_HASH_HEADER}: required (sha256:<hex> of the body)"
            ))
        })?;
    let change = api
        .registry
        .add(body.to_vec(), declared, "api")
        .await
        .map_err(rejected)?;
    tracing::info!(
        plugin = change.plugin.name,
        version = change.plugin.version,
        index_state_changed = change.swapped.state_changed(),
        "plugin added"
    );
    Ok(axum::Json(Changed::from(change)).into_response())
}

async fn remove(
    State(api): State<Arc<AdminApi>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let change = api.registry.remove(&name, "api").await.map_err(rejected)?;
    tracing::info!(plugin = change.plugin.name, "plugin removed");
    Ok(axum::Json(Changed::from(change)).into_response())
}

fn rejected(rejection: Rejection) -> ApiError {
    let status = match &rejection {
        Rejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Rejection::Unknown(_) => StatusCode::NOT_FOUND,
        Rejection::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, format!("plugin rejected: {rejection}"))
}
