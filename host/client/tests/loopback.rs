//! The client against a real HTTP server on loopback: what it signs, what it reads back.

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use scry_client::{Failure, ServiceClient};
use scry_config::Psk;
use scry_config::psk::{ADMIN_ISSUER, INTRASERVICE_ISSUER};

/// "scry-client-test-key", base64.
const KEY: &str = "c2NyeS1jbGllbnQtdGVzdC1rZXk=";

fn psk() -> Psk {
    Psk::new(KEY, [ADMIN_ISSUER]).expect("a valid key")
}

/// `/whoami` answers the verified token's issuer (401 without one), `/gone` is Clair's
/// 404, `/broken` a 500 with a plain-text body.
async fn server() -> String {
    let verifier = psk();
    let app = Router::new()
        .route(
            "/whoami",
            get(move |headers: HeaderMap| {
                let verifier = verifier.clone();
                async move {
                    let authorization = headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok());
                    match verifier.verify(authorization) {
                        Ok(claims) => Ok(axum::Json(serde_json::json!({ "iss": claims.iss }))),
                        Err(_) => Err((
                            StatusCode::UNAUTHORIZED,
                            r#"{"code":"unauthorized","message":"no valid token"}"#,
                        )),
                    }
                }
            }),
        )
        .route(
            "/gone",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    r#"{"code":"not-found","message":"manifest \"sha256:00\" not found"}"#,
                )
            }),
        )
        .route(
            "/broken",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "  database on fire\n") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // A trailing slash on the base is dropped.
    format!("http://{addr}/")
}

#[tokio::test]
async fn signs_every_request_as_its_issuer() {
    let base = server().await;
    for issuer in [INTRASERVICE_ISSUER, ADMIN_ISSUER] {
        let client = ServiceClient::new(&base, Some(psk()), issuer);
        for _ in 0..2 {
            let answer: serde_json::Value = client
                .json(client.get("/whoami"), "who am I")
                .await
                .unwrap();
            assert_eq!(answer["iss"], issuer);
        }
    }
}

#[tokio::test]
async fn without_a_psk_requests_go_unsigned() {
    let base = server().await;
    let client = ServiceClient::new(&base, None, INTRASERVICE_ISSUER);
    let err = client
        .json::<serde_json::Value>(client.get("/whoami"), "who am I")
        .await
        .unwrap_err();
    assert!(
        matches!(&err.failure, Failure::Status { status, message }
            if *status == StatusCode::UNAUTHORIZED && message == "no valid token"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "who am I at {}: HTTP status 401 Unauthorized: no valid token",
            base.trim_end_matches('/')
        )
    );
}

#[tokio::test]
async fn a_missing_resource_is_none_only_when_asked() {
    let base = server().await;
    let client = ServiceClient::new(&base, None, INTRASERVICE_ISSUER);
    let missing: Option<serde_json::Value> = client
        .json_unless_missing(client.get("/gone"), "asking for a report")
        .await
        .unwrap();
    assert_eq!(missing, None);
    let err = client
        .json::<serde_json::Value>(client.get("/gone"), "asking for a report")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("HTTP status 404 Not Found: manifest \"sha256:00\" not found"),
        "{err}"
    );
}

#[tokio::test]
async fn other_failures_name_the_call_and_quote_the_body() {
    let base = server().await;
    let client = ServiceClient::new(&base, None, INTRASERVICE_ISSUER);
    let err = client
        .json_unless_missing::<serde_json::Value>(client.get("/broken"), "listing things")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("HTTP status 500 Internal Server Error: database on fire"),
        "{err}"
    );
    // Nothing listens on port 9 of loopback.
    let nowhere = ServiceClient::new("http://127.0.0.1:9", None, INTRASERVICE_ISSUER);
    let err = nowhere
        .json::<serde_json::Value>(nowhere.get("/whoami"), "who am I")
        .await
        .unwrap_err();
    assert!(matches!(err.failure, Failure::Send(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("who am I at http://127.0.0.1:9: "),
        "{err}"
    );
}
