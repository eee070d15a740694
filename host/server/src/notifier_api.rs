//! `/notifier/api/v1/notification/{id}`: paged reading and deletion of a notification
//! set, as Clair serves them. Each page also says how delivery went (`scry_delivery`,
//! an addition clients may ignore), so a failing webhook is never silent.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use scry_model::{NotificationPage, Page};
use scry_notifier::NotifierService;
use scry_store::Receipt;
use serde::Serialize;

use crate::error::ApiError;
use crate::params::{optional_uuid, parse_uuid};

const PAGE_TYPE: &str = "application/vnd.clair.notification_page.v1+json";
/// Clair's default, also used for 0 and for negative sizes.
const DEFAULT_PAGE_SIZE: i64 = 500;

#[derive(Serialize)]
struct PageWithDelivery {
    #[serde(flatten)]
    page: NotificationPage,
    #[serde(skip_serializing_if = "Option::is_none")]
    scry_delivery: Option<Delivery>,
}

/// The set's receipt as clients see it.
#[derive(Serialize)]
struct Delivery {
    status: &'static str,
    attempts: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    last_error: String,
    /// Unix milliseconds of the successful delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    delivered: Option<i64>,
}

impl From<Receipt> for Delivery {
    fn from(receipt: Receipt) -> Delivery {
        Delivery {
            status: receipt.status.as_str(),
            attempts: receipt.attempts,
            last_error: receipt.last_error,
            delivered: receipt.delivered,
        }
    }
}

pub async fn get_notification(
    State(service): State<Arc<NotifierService>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let id = parse_uuid("notification id", &id)?;
    let size = match query.get("page_size").filter(|s| !s.is_empty()) {
        None => DEFAULT_PAGE_SIZE,
        Some(text) => match text.parse::<i64>() {
            Ok(size) if size > 0 => size,
            Ok(_) => DEFAULT_PAGE_SIZE,
            Err(_) => {
                return Err(ApiError::bad_request(format!(
                    "page_size {text:?} is not an integer"
                )));
            }
        },
    };
    let after = optional_uuid(&query, "next")?;
    let page = service
        .notification_page(&id, after.as_deref(), size)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    let body = PageWithDelivery {
        page: NotificationPage {
            page: Page {
                size,
                next: page.next,
            },
            notifications: page.notifications,
        },
        scry_delivery: page.receipt.map(Delivery::from),
    };
    let bytes = serde_json::to_vec(&body)
        .map_err(|err| ApiError::internal(format!("encoding notification page: {err}")))?;
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, PAGE_TYPE)], bytes).into_response())
}

/// 200 with an empty body, also when already deleted. An unknown id is 404 (Clair
/// answers 500 there).
pub async fn delete_notification(
    State(service): State<Arc<NotifierService>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_uuid("notification id", &id)?;
    let found = service
        .delete_notification_set(&id)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    if !found {
        return Err(ApiError::not_found(format!("notification {id} not found")));
    }
    Ok(StatusCode::OK.into_response())
}
