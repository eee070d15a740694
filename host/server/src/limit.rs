//! At most N index requests at once; the next one is told 429 at once rather than
//! queued behind work that may take minutes.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use tokio::sync::Semaphore;

use crate::error::ApiError;

pub fn limit_index_requests(router: Router, permits: usize) -> Router {
    let semaphore = Arc::new(Semaphore::new(permits.max(1)));
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let semaphore = semaphore.clone();
        async move {
            let limited = request.method() == Method::POST
                || request.uri().path() == "/indexer/api/v1/index_report";
            if !limited {
                return next.run(request).await;
            }
            match semaphore.try_acquire() {
                Ok(_permit) => next.run(request).await,
                Err(_) => ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "server handling too many requests",
                )
                .into_response(),
            }
        }
    }))
}
