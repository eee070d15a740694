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
use scry_registry::{
    Change, MatcherWorld, PluginKind, Registry, Rejection, ScannerWorld, content_hash,
    world_of_upload,
};
use scry_runtime::{Runtime, World};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// The header carrying an upload's `sha256:<hex>`.
pub const CONTENT_HASH_HEADER: &str = "x-scry-content-hash";

pub struct AdminApi {
    pub runtime: Runtime,
    /// The indexer's scanner set (indexer and combo modes).
    pub scanners: Option<Arc<Registry<ScannerWorld>>>,
    /// The matcher's matcher set (matcher and combo modes).
    pub matchers: Option<Arc<Registry<MatcherWorld>>>,
    pub max_component: usize,
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
    let mut plugins = Vec::new();
    let mut listing = Map::new();
    if let Some(scanners) = &api.scanners {
        plugins.extend(scanners.list().await);
        listing.insert(ScannerWorld::STATE.into(), scanners.state().into());
    }
    if let Some(matchers) = &api.matchers {
        plugins.extend(matchers.list().await);
        listing.insert(MatcherWorld::STATE.into(), matchers.state().into());
    }
    listing.insert("plugins".into(), json!(plugins));
    axum::Json(listing).into_response()
}

/// What a change did, with the set's state before and after under its own name
/// (`index_state_changed` tells whether Quay will re-index).
fn changed<K: PluginKind>(change: Change) -> Value {
    let state = K::STATE;
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
        })?
        .to_string();
    let wasm = body.to_vec();
    let world = detect(&api, &wasm).await?;
    let body = match world {
        World::Scanner => {
            let registry = served(&api.scanners, world)?;
            changed::<ScannerWorld>(added(registry, wasm, &declared).await?)
        }
        World::Matcher => {
            let registry = served(&api.matchers, world)?;
            changed::<MatcherWorld>(added(registry, wasm, &declared).await?)
        }
    };
    Ok(axum::Json(body).into_response())
}

async fn added<K: PluginKind>(
    registry: &Registry<K>,
    wasm: Vec<u8>,
    declared: &str,
) -> Result<Change, ApiError> {
    let change = registry
        .add(wasm, declared, "api")
        .await
        .map_err(rejected)?;
    tracing::info!(
        world = K::WORLD.as_str(),
        plugin = change.plugin.name,
        version = change.plugin.version,
        state_changed = change.swapped.state_changed(),
        "plugin added"
    );
    Ok(change)
}

/// Which world the upload implements, after its size (compiling it, off the async
/// threads).
async fn detect(api: &AdminApi, wasm: &[u8]) -> Result<World, ApiError> {
    let (runtime, max) = (api.runtime.clone(), api.max_component);
    let bytes = wasm.to_vec();
    let label = format!("upload {}", content_hash(wasm));
    tokio::task::spawn_blocking(move || world_of_upload(&runtime, &label, &bytes, max))
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?
        .map_err(rejected)
}

fn served<K: PluginKind>(
    registry: &Option<Arc<Registry<K>>>,
    world: World,
) -> Result<&Registry<K>, ApiError> {
    registry.as_deref().ok_or_else(|| {
        let service = match world {
            World::Scanner => "an indexer",
            World::Matcher => "a matcher",
        };
        rejected(Rejection::NotServed(format!(
            "the upload is a {} plugin and this process runs no {}s; send it to {service}",
            world.as_str(),
            world.as_str()
        )))
    })
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
    let wanted = |world: World| query.world.as_deref().is_none_or(|w| w == world.as_str());
    if let Some(world) = &query.world
        && world != "scanner"
        && world != "matcher"
    {
        return Err(ApiError::bad_request(format!(
            "world: {world:?} is neither scanner nor matcher"
        )));
    }
    let scanner = match &api.scanners {
        Some(r) if wanted(World::Scanner) && r.has(&name).await => Some(r),
        _ => None,
    };
    let matcher = match &api.matchers {
        Some(r) if wanted(World::Matcher) && r.has(&name).await => Some(r),
        _ => None,
    };
    let body = match (scanner, matcher) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "{name:?} names a scanner and a matcher; add ?world=scanner or ?world=matcher"
                ),
            ));
        }
        (Some(registry), None) => changed::<ScannerWorld>(removed(registry, &name).await?),
        (None, Some(registry)) => changed::<MatcherWorld>(removed(registry, &name).await?),
        (None, None) => return Err(rejected(Rejection::Unknown(name))),
    };
    Ok(axum::Json(body).into_response())
}

async fn removed<K: PluginKind>(registry: &Registry<K>, name: &str) -> Result<Change, ApiError> {
    let change = registry.remove(name, "api").await.map_err(rejected)?;
    tracing::info!(world = K::WORLD.as_str(), plugin = name, "plugin removed");
    Ok(change)
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
