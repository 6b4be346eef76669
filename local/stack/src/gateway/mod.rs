//! The local API Gateway: in front of the routers it does what API Gateway
//! does on AWS for this API: route matching, IAM (SigV4) authorization,
//! request-body validation, API-Gateway-style error bodies and a request id
//! on every response. Nothing reaches a handler unless all of it passed.

pub mod schema;
pub mod sigv4;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use http::{HeaderValue, Method, StatusCode};
use serde_json::json;
use tracing::{info, warn};

use schema::BodySchema;
use sigv4::{AuthError, SignedRequest, Verifier};

/// API Gateway's payload limit is 10 MB; ours is far below it because no
/// route takes more than a few hundred bytes.
const MAX_BODY: usize = 1024 * 1024;

pub struct Gateway {
    verifier: Verifier,
    create_job: BodySchema,
}

impl Gateway {
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            create_job: BodySchema::create_job(),
        }
    }
}

/// The routes the gateway knows. As on API Gateway, any other method or path
/// is answered 403 "Missing Authentication Token", signed or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    CreateJob,
    GetJob,
    Executions,
    Archive,
    Replays,
    Faults,
    Console,
}

pub fn route(method: &Method, path: &str) -> Option<Route> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["jobs"]) => Some(Route::CreateJob),
        ("GET", ["jobs", id]) if !id.is_empty() => Some(Route::GetJob),
        ("GET", ["local", "jobs", id, "executions"]) if !id.is_empty() => Some(Route::Executions),
        ("GET", ["local", "archive"]) => Some(Route::Archive),
        ("POST", ["local", "replays"]) => Some(Route::Replays),
        ("GET" | "PUT", ["local", "faults"]) => Some(Route::Faults),
        ("GET", ["local", "console"]) => Some(Route::Console),
        _ => None,
    }
}

pub fn message(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "message": message.into() }))).into_response()
}

pub async fn guard(State(gateway): State<Arc<Gateway>>, request: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = check_then_run(&gateway, request, next).await;
    let status = response.status();
    let job_id = job_id_of(&path, &response);
    if status.is_server_error() {
        warn!(%method, %path, status = status.as_u16(), job_id, request_id, "request failed");
    } else {
        info!(%method, %path, status = status.as_u16(), job_id, request_id, "request");
    }
    response.headers_mut().insert(
        "x-amzn-RequestId",
        HeaderValue::from_str(&request_id).expect("a uuid is a header value"),
    );
    response
}

/// The job a request was about: in its path, or in the `Location` of a
/// created job, so every job-related log line carries the job id.
fn job_id_of(path: &str, response: &Response) -> Option<String> {
    let from_path = path
        .split('/')
        .skip_while(|s| *s != "jobs")
        .nth(1)
        .filter(|s| s.parse::<jobs_domain::JobId>().is_ok());
    let from_location = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.rsplit('/').next());
    from_path.or(from_location).map(str::to_owned)
}

async fn check_then_run(gateway: &Gateway, request: Request, next: Next) -> Response {
    let Some(route) = route(request.method(), request.uri().path()) else {
        return message(StatusCode::FORBIDDEN, AuthError::Missing.to_string());
    };
    let (parts, body) = request.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long"),
    };

    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
    };
    if let Err(e) = gateway.verifier.verify(&signed, Utc::now()) {
        return message(StatusCode::FORBIDDEN, e.to_string());
    }

    if route == Route::CreateJob {
        if let Err(details) = gateway.create_job.check(&body) {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "message": "Invalid request body", "details": details })),
            )
                .into_response();
        }
    }

    next.run(Request::from_parts(parts, Body::from(body))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_the_api_and_nothing_else() {
        let id = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";
        assert_eq!(route(&Method::POST, "/jobs"), Some(Route::CreateJob));
        assert_eq!(
            route(&Method::GET, &format!("/jobs/{id}")),
            Some(Route::GetJob)
        );
        assert_eq!(route(&Method::GET, "/jobs/not-an-id"), Some(Route::GetJob));
        assert_eq!(
            route(&Method::GET, &format!("/local/jobs/{id}/executions")),
            Some(Route::Executions)
        );
        assert_eq!(route(&Method::PUT, "/local/faults"), Some(Route::Faults));
        for (m, p) in [
            (Method::GET, "/jobs"),
            (Method::DELETE, "/jobs/x"),
            (Method::GET, "/jobs/"),
            (Method::GET, "/jobs/a/b"),
            (Method::POST, "/jobs/x"),
            (Method::GET, "/"),
            (Method::DELETE, "/local/faults"),
            (Method::GET, "/local/replays"),
        ] {
            assert_eq!(route(&m, p), None, "{m} {p}");
        }
    }
}
