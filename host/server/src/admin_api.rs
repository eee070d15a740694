//! `/admin/api/v1/plugins`: list, add (upload a `.wasm` with its content hash) and
//! remove plugins on a running server, scanners on an indexer and matchers on a
//! matcher (both in combo mode). An upload goes to the set of the world it implements.
//! Only tokens from the admin issuer (`scry-admin`) get in: a Quay token is
//! authenticated but forbidden (403).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use scry_config::Psk;
use scry_config::psk::ADMIN_ISSUER;
use scry_plugin_sets::{Change, LivePluginSets, Rejection, parse_world, state_name};
use scry_runtime::World;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// The header carrying an upload's `sha256:<hex>`.
pub const CONTENT_HASH_HEADER: &str = "x-scry-content-hash";

pub struct AdminApi {
    /// The indexer's scanner set (indexer and combo modes), the matcher's matcher set
    /// (matcher and combo modes).
    pub plugin_sets: LivePluginSets,
}

/// The admin routes behind their own token check (`psk` accepts any of Scry's issuers;
/// only [`ADMIN_ISSUER`] passes).
pub fn router(api: Arc<AdminApi>, psk: Psk) -> Router {
    let limit = api.plugin_sets.max_component + 1024;
    Router::new()
        .route("/admin/api/v1/plugins", get(list).put(add))
        .route("/admin/api/v1/plugins/{name}", delete(remove))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(api)
        // route_layer: only the admin routes; other paths keep their own 404.
        .route_layer(middleware::from_fn(move |request: Request, next: Next| {
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

/// Every plugin this process runs, with each set's state.
async fn list(State(api): State<Arc<AdminApi>>) -> Response {
    let mut listing = Map::new();
    for (name, state) in api.plugin_sets.states() {
        listing.insert(name.into(), state.into());
    }
    listing.insert("plugins".into(), json!(api.plugin_sets.list().await));
    axum::Json(listing).into_response()
}

/// What a change did, with the set's state before and after under its own name
/// (`index_state_changed` tells whether Quay will re-index).
fn changed(world: World, change: Change) -> Value {
    let state = state_name(world);
    json!({
        "plugin": change.plugin,
        format!("previous_{state}"): change.swapped.previous_state,
        state: change.swapped.state,
        format!("{state}_changed"): change.swapped.state_changed(),
    })
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
    let (world, change) = api
        .plugin_sets
        .add(body.to_vec(), declared, "api")
        .await
        .map_err(rejected)?;
    tracing::info!(
        world = world.as_str(),
        plugin = change.plugin.name,
        version = change.plugin.version,
        state_changed = change.swapped.state_changed(),
        "plugin added"
    );
    Ok(axum::Json(changed(world, change)).into_response())
}

#[derive(Deserialize)]
struct RemoveQuery {
    /// `scanner` or `matcher`, when a name is in both sets.
    world: Option<String>,
}

async fn remove(
    State(api): State<Arc<AdminApi>>,
    Path(name): Path<String>,
    Query(query): Query<RemoveQuery>,
) -> Result<Response, ApiError> {
    let world = match query.world.as_deref() {
        None => None,
        Some(name) => Some(parse_world(name).ok_or_else(|| {
            ApiError::bad_request(format!("world: {name:?} is neither scanner nor matcher"))
        })?),
    };
    let (world, change) = api
        .plugin_sets
        .remove(&name, world, "api")
        .await
        .map_err(rejected)?;
    tracing::info!(world = world.as_str(), plugin = name, "plugin removed");
    Ok(axum::Json(changed(world, change)).into_response())
}

fn rejected(rejection: Rejection) -> ApiError {
    let status = match &rejection {
        Rejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Rejection::Unknown(_) => StatusCode::NOT_FOUND,
        Rejection::Ambiguous(_) => StatusCode::CONFLICT,
        Rejection::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, format!("plugin rejected: {rejection}"))
}
