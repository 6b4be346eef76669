//! The local API Gateway: what API Gateway does on AWS for this API, as
//! layers on the routes of the stack's one Router. SigV4 (IAM) authorization
//! and the request-body model are `route_layer`s, so they run only for a
//! route the Router matched, and the model is picked by that route
//! ([`MatchedPath`]), never by parsing the path. Any other method or path is
//! answered 403 "Missing Authentication Token", signed or not, as API Gateway
//! answers it. Every response carries a request id and is logged once.

mod schema;
pub mod sigv4;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::Router;
use chrono::Utc;
use http::{HeaderValue, Method, StatusCode};
use jobs_api::error_response;
use jobs_domain::JobId;
use jobs_wire::api::{self, ErrorBody};
use tracing::{info, warn};

use schema::BodySchema;
use sigv4::{AuthError, SignedRequest, Verifier};

/// API Gateway's payload limit is 10 MB; ours is far below it because no
/// route takes more than a few hundred bytes.
const MAX_BODY: usize = 1024 * 1024;

/// A request model attached to one route, as API Gateway attaches a model to
/// a method of a resource.
struct Model {
    method: Method,
    path: &'static str,
    schema: BodySchema,
}

pub struct Gateway {
    verifier: Verifier,
    models: Vec<Model>,
}

impl Gateway {
    /// The gateway of the jobs API: `POST /jobs` validated with the same
    /// model file CDK attaches to that method.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            models: vec![Model {
                method: Method::POST,
                path: api::JOBS,
                schema: BodySchema::create_job(),
            }],
        }
    }

    /// Puts IAM authorization and body validation in front of every route
    /// of `routes`; a signed request with a method the path lacks gets the
    /// same 403 as an unknown route.
    pub fn protect<S: Clone + Send + Sync + 'static>(
        self: &Arc<Self>,
        routes: Router<S>,
    ) -> Router<S> {
        routes
            .method_not_allowed_fallback(missing_token)
            .route_layer(from_fn_with_state(self.clone(), validate_body))
            .route_layer(from_fn_with_state(self.clone(), authorize))
    }

    /// `routes` with body validation alone, for a caller inside the stack
    /// that authorized the request its own way (the console's submit form
    /// goes through the API's routes so, with the same model).
    pub fn validated<S: Clone + Send + Sync + 'static>(
        self: &Arc<Self>,
        routes: Router<S>,
    ) -> Router<S> {
        routes.route_layer(from_fn_with_state(self.clone(), validate_body))
    }

    fn model(&self, method: &Method, path: &str) -> Option<&BodySchema> {
        self.models
            .iter()
            .find(|m| m.method == method && m.path == path)
            .map(|m| &m.schema)
    }
}

/// An answer with only a message, as API Gateway's own answers are.
pub fn message(status: StatusCode, message: impl Into<String>) -> Response {
    error_response(status, ErrorBody::new(message, None))
}

/// API Gateway's answer to a method or path it has no route for.
pub async fn missing_token() -> Response {
    message(StatusCode::FORBIDDEN, AuthError::Missing.to_string())
}

/// The outermost layer: a request id on every response, and one log line
/// per request with the job it was about when the handler named one (a
/// [`JobId`] in the response's extensions).
pub async fn request_log(request: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let status = response.status();
    let job_id = response.extensions().get::<JobId>().map(JobId::to_string);
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

async fn authorize(State(gateway): State<Arc<Gateway>>, request: Request, next: Next) -> Response {
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
    next.run(Request::from_parts(parts, Body::from(body))).await
}

async fn validate_body(
    State(gateway): State<Arc<Gateway>>,
    matched: MatchedPath,
    request: Request,
    next: Next,
) -> Response {
    let Some(schema) = gateway.model(request.method(), matched.as_str()) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    // The authorizer ran first and already holds the whole body in memory.
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long"),
    };
    if let Err(details) = schema.check(&body) {
        return error_response(
            StatusCode::BAD_REQUEST,
            ErrorBody::new("Invalid request body", Some(details)),
        );
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}
