//! PSK JWT on every API route: anything but a valid token is a 401 with an empty body.

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use scry_config::Psk;

pub fn require_jwt(router: Router, psk: Psk) -> Router {
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let psk = psk.clone();
        async move {
            if request.uri().path() == "/robots.txt" {
                return next.run(request).await;
            }
            let authorization = request
                .headers()
                .get_all(header::AUTHORIZATION)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find(|value| value.starts_with("Bearer "));
            match psk.verify(authorization) {
                Ok(_) => next.run(request).await,
                Err(err) => {
                    tracing::debug!(error = %err, path = %request.uri().path(), "rejected request");
                    unauthorized()
                }
            }
        }
    }))
}

fn unauthorized() -> Response {
    StatusCode::UNAUTHORIZED.into_response()
}
