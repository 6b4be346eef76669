//! The API's two routes and their handlers.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use jobs_domain::service::JobService;
use jobs_domain::{IdempotencyKey, JobId};
use jobs_wire::api::{self, Accepted};
use tracing::error;

use crate::error::ApiError;

/// The path prefix under which clients reach the API (an API Gateway stage
/// such as `/prod`), so `Location` points where the client can follow it.
/// Absent locally, where the API sits at the root.
#[derive(Clone, Debug, Default)]
pub(crate) struct BasePath(pub(crate) String);

/// The API's routes and nothing else, for a host that answers unknown
/// routes itself (the local gateway answers them as API Gateway does).
/// Each response about a job carries its [`JobId`] in the extensions, so an
/// access log can name the job without reading the path.
pub fn routes(service: JobService) -> Router {
    Router::new()
        .route(api::JOBS, post(create_job))
        .route(api::JOB_ROUTE, get(get_job))
        .with_state(service)
}

/// [`routes`] with a JSON 404 for anything else.
pub fn router(service: JobService) -> Router {
    routes(service).fallback(|| async { ApiError::NoRoute })
}

async fn create_job(
    State(service): State<JobService>,
    base: Option<Extension<BasePath>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = headers
        .get(api::IDEMPOTENCY_KEY)
        .map(|v| IdempotencyKey::parse(v.as_bytes()))
        .transpose()
        .map_err(ApiError::InvalidIdempotencyKey)?;
    let parameters = service.parse(&body).map_err(ApiError::InvalidBody)?;
    let submitted = service.submit(parameters, key).await?;
    let prefix = base.map(|Extension(BasePath(p))| p).unwrap_or_default();
    let location = format!("{}{}", prefix.trim_end_matches('/'), api::job(submitted.id));
    let mut response = (StatusCode::ACCEPTED, Json(Accepted { id: submitted.id })).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(&location).expect("ids and stage names are header-safe"),
    );
    if !submitted.created {
        headers.insert(api::IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    response.extensions_mut().insert(submitted.id);
    Ok(response)
}

async fn get_job(
    State(service): State<JobService>,
    Path(raw_id): Path<String>,
) -> Result<Response, ApiError> {
    let id: JobId = raw_id.parse().map_err(ApiError::InvalidJobId)?;
    let found = service
        .get(&id)
        .await
        .inspect_err(|e| error!(job_id = %id, error = %e, "reading the job failed"));
    let mut response = match found {
        Ok(Some(job)) => (StatusCode::OK, Json(job.to_view())).into_response(),
        Ok(None) => ApiError::JobNotFound(id).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    };
    response.extensions_mut().insert(id);
    Ok(response)
}
