//! What both test files need from a response: its status, headers and JSON
//! body (`null` when empty).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

pub async fn read(response: Response) -> (StatusCode, HeaderMap, Value) {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, body)
}
