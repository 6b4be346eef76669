//! The jobs HTTP API as one [`axum::Router`]: `POST /jobs` and
//! `GET /jobs/{jobId}`. On AWS, `lambda_http` serves it behind API Gateway;
//! locally, the local gateway serves the very same Router.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};
use tracing::{error, warn};

use jobs_domain::ports::StoreError;
use jobs_domain::service::{JobService, SubmitError};
use jobs_domain::{IdempotencyKey, JobId, JobParameters};

/// The header a client sets to make `POST /jobs` safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a response that repeats an earlier one for the same idempotency key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The path prefix under which clients reach the API (an API Gateway stage
/// such as `/prod`), so `Location` points where the client can follow it.
/// Absent locally, where the API sits at the root.
#[derive(Clone, Debug, Default)]
pub struct BasePath(pub String);

/// The API's routes and nothing else, for a host that answers unknown
/// routes itself (the local gateway answers them as API Gateway does).
/// Each response about a job carries its [`JobId`] in the extensions, so an
/// access log can name the job without reading the path.
pub fn routes(service: JobService) -> Router {
    Router::new()
        .route("/jobs", post(create_job))
        .route("/jobs/{jobId}", get(get_job))
        .with_state(service)
}

/// [`routes`] with a JSON 404 for anything else.
pub fn router(service: JobService) -> Router {
    routes(service).fallback(not_found)
}

async fn create_job(
    State(service): State<JobService>,
    base: Option<Extension<BasePath>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = match headers
        .get(IDEMPOTENCY_KEY)
        .map(|v| IdempotencyKey::parse(v.as_bytes()))
    {
        None => None,
        Some(Ok(key)) => Some(key),
        Some(Err(e)) => {
            return message(
                StatusCode::BAD_REQUEST,
                "Invalid Idempotency-Key header",
                Some(e.to_string()),
            )
        }
    };
    let parameters = match JobParameters::from_body(&body) {
        Ok(parameters) => parameters,
        Err(e) => {
            return message(
                StatusCode::BAD_REQUEST,
                "Invalid request body",
                Some(e.to_string()),
            )
        }
    };
    match service.submit(parameters, key).await {
        Ok(submitted) => {
            let prefix = base.map(|Extension(BasePath(p))| p).unwrap_or_default();
            let location = format!("{}/jobs/{}", prefix.trim_end_matches('/'), submitted.id);
            let mut response =
                (StatusCode::ACCEPTED, Json(json!({ "id": submitted.id }))).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::LOCATION,
                HeaderValue::from_str(&location).expect("ids and stage names are header-safe"),
            );
            if !submitted.created {
                headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            }
            response.extensions_mut().insert(submitted.id);
            response
        }
        Err(SubmitError::IdempotencyConflict) => message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This Idempotency-Key was already used with a different request body",
            Some("use a new key for a new request, or resend the original body".into()),
        ),
        Err(SubmitError::Store(e)) => store_failure(e),
        Err(SubmitError::StartFailed { id, reason }) => {
            let mut response = message(
                StatusCode::SERVICE_UNAVAILABLE,
                "The job could not be started and was marked Failure; retry the request",
                Some(reason.to_string()),
            );
            if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
                response.headers_mut().insert("x-job-id", value);
            }
            response.extensions_mut().insert(id);
            response
        }
    }
}

async fn get_job(State(service): State<JobService>, Path(raw_id): Path<String>) -> Response {
    let id: JobId = match raw_id.parse() {
        Ok(id) => id,
        Err(e) => {
            return message(
                StatusCode::BAD_REQUEST,
                "Invalid job id",
                Some(e.to_string()),
            )
        }
    };
    let mut response = match service.get(&id).await {
        Ok(Some(job)) => (StatusCode::OK, Json(job.to_view())).into_response(),
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            "Job not found",
            Some(format!("no job has id {id}")),
        ),
        Err(e) => {
            error!(job_id = %id, error = %e, "reading the job failed");
            store_failure(e)
        }
    };
    response.extensions_mut().insert(id);
    response
}

async fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Not found",
        Some("the API has POST /jobs and GET /jobs/{jobId}".into()),
    )
}

fn store_failure(e: StoreError) -> Response {
    match e {
        StoreError::Unavailable(_) => {
            warn!(error = %e, "job store unavailable");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                "The job store is unavailable; retry the request",
                None,
            )
        }
        _ => {
            error!(error = %e, "job store failed");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error",
                None,
            )
        }
    }
}

fn message(status: StatusCode, message: &str, details: Option<String>) -> Response {
    let mut body = json!({ "message": message });
    if let Some(details) = details {
        body["details"] = Value::String(details);
    }
    (status, Json(body)).into_response()
}

/// The Router as the `api` Lambda serves it, behind API Gateway.
#[cfg(feature = "lambda")]
///
/// `lambda_http` puts the stage in front of the path (`/prod/jobs`); the
/// routes are stage-free, so the stage is taken off before routing and
/// kept as the [`BasePath`] when the client's URL had it, for `Location`.
pub fn lambda_router(service: JobService) -> Router {
    // An outer Router whose only route is the fallback: its layer runs
    // before the inner Router routes.
    Router::new()
        .fallback_service(router(service))
        .layer(axum::middleware::map_request(strip_stage))
}

#[cfg(feature = "lambda")]
async fn strip_stage(mut request: axum::extract::Request) -> axum::extract::Request {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    let (stage, client_path) = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => {
            (context.stage.clone(), context.path.clone())
        }
        _ => (None, None),
    };
    let Some(stage) = stage.filter(|s| !s.is_empty() && s != "$default") else {
        return request;
    };
    let prefix = format!("/{stage}");
    let uri = request.uri();
    if let Some(rest) = uri
        .path()
        .strip_prefix(&prefix)
        .filter(|r| r.starts_with('/'))
    {
        let mut parts = uri.clone().into_parts();
        let path_and_query = match uri.query() {
            Some(query) => format!("{rest}?{query}"),
            None => rest.to_owned(),
        };
        parts.path_and_query = path_and_query.parse().ok();
        if let Ok(stripped) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = stripped;
        }
    }
    // The context's path is the one the client used: `/prod/jobs` through
    // the stage URL, `/jobs` through a custom domain mapped to the stage.
    if client_path.is_some_and(|p| p.starts_with(&format!("{prefix}/"))) {
        request.extensions_mut().insert(BasePath(prefix));
    }
    request
}
