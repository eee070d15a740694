//! Scry's HTTP services. The API listener serves Clair v4's routes for the enabled
//! mode; a second listener serves introspection (`/metrics`, `/healthz`, `/readyz`).
//!
//! Invariant: when a PSK is configured every API route requires a valid JWT;
//! introspection routes never do.

mod admin_api;
mod auth;
mod error;
mod indexer_api;
mod introspection;
mod limit;
mod matcher_api;
pub mod metrics;
mod notifier_api;
mod params;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use scry_config::Psk;
use scry_indexer::IndexerService;
use scry_matcher::AffectedLookup;
use scry_notifier::NotifierService;

pub use admin_api::{AdminApi, CONTENT_HASH_HEADER};
pub use error::ApiError;
pub use matcher_api::MatcherApi;
pub use metrics::Metrics;

/// What the API routes need.
pub struct Services {
    pub indexer: Option<Arc<IndexerService>>,
    /// The indexer's `affected_manifest` route (present with the indexer).
    pub affected: Option<Arc<AffectedLookup>>,
    pub matcher: Option<Arc<MatcherApi>>,
    /// Present when the notifier runs here with a delivery mechanism.
    pub notifier: Option<Arc<NotifierService>>,
    /// Plugin changes on a running indexer or matcher; served only with a PSK (admin
    /// tokens).
    pub admin: Option<Arc<AdminApi>>,
    pub psk: Option<Psk>,
    /// Index requests served at once; more get 429. `None` is unlimited.
    pub index_concurrency: Option<usize>,
    pub metrics: Arc<Metrics>,
}

pub fn api_router(services: &Services) -> Router {
    let mut router = Router::new();
    if let Some(indexer) = &services.indexer {
        let indexer_routes = Router::new()
            .route(
                "/indexer/api/v1/index_report",
                post(indexer_api::post_index_report).delete(indexer_api::delete_index_reports),
            )
            .route(
                "/indexer/api/v1/index_report/{digest}",
                get(indexer_api::get_index_report).delete(indexer_api::delete_index_report),
            )
            .route("/indexer/api/v1/index_state", get(indexer_api::index_state))
            .with_state(indexer.clone());
        let indexer_routes = match &services.affected {
            Some(affected) => indexer_routes.merge(
                Router::new()
                    .route(
                        "/indexer/api/v1/internal/affected_manifest",
                        post(matcher_api::affected_manifests),
                    )
                    .route(
                        "/indexer/api/v1/internal/affected_manifest/",
                        post(matcher_api::affected_manifests),
                    )
                    .with_state(affected.clone()),
            ),
            None => indexer_routes,
        };
        let indexer_routes = match services.index_concurrency {
            Some(permits) => limit::limit_index_requests(indexer_routes, permits),
            None => indexer_routes,
        };
        router = router.merge(indexer_routes);
    }
    if let Some(matcher) = &services.matcher {
        let matcher_routes = Router::new()
            .route(
                "/matcher/api/v1/vulnerability_report/{digest}",
                get(matcher_api::vulnerability_report),
            )
            .route(
                "/matcher/api/v1/internal/update_operation",
                get(matcher_api::update_operations),
            )
            .route(
                "/matcher/api/v1/internal/update_operation/{reference}",
                get(matcher_api::update_operation).delete(matcher_api::delete_update_operation),
            )
            .route(
                "/matcher/api/v1/internal/update_diff",
                get(matcher_api::update_diff),
            )
            .with_state(matcher.clone());
        router = router.merge(matcher_routes);
    }
    if let Some(notifier) = &services.notifier {
        let notifier_routes = Router::new()
            .route(
                "/notifier/api/v1/notification/{id}",
                get(notifier_api::get_notification).delete(notifier_api::delete_notification),
            )
            .with_state(notifier.clone());
        router = router.merge(notifier_routes);
    }
    let router = router.route(
        "/robots.txt",
        get(|| async { "User-agent: *\nDisallow: /\n" }),
    );
    let router = match &services.psk {
        Some(psk) => {
            let router = auth::require_jwt(router, psk.clone());
            match &services.admin {
                Some(admin) => router.merge(admin_api::router(admin.clone(), psk.clone())),
                None => router,
            }
        }
        None => router,
    };
    metrics::instrument(router, services.metrics.clone())
}

/// Serves the API and introspection listeners until `shutdown` resolves.
pub async fn serve(
    api: tokio::net::TcpListener,
    introspection: tokio::net::TcpListener,
    services: Services,
    ready: introspection::Readiness,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let api_app = api_router(&services);
    let intro_app = introspection::router(services.metrics.clone(), ready);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let wait = move |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let api_server = axum::serve(
        api,
        api_app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(wait(stop_rx.clone()));
    let intro_server = axum::serve(introspection, intro_app).with_graceful_shutdown(wait(stop_rx));
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let (a, b) = tokio::join!(api_server, intro_server);
    a.and(b)
}

pub use introspection::Readiness;
