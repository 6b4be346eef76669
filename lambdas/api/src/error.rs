//! What the API answers when it does not succeed: each case an [`ApiError`],
//! turned into a status and a `{"message", "details"}` body in one place.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jobs_domain::id::InvalidJobId;
use jobs_domain::idempotency::InvalidIdempotencyKey;
use jobs_domain::ports::{StartError, StoreError};
use jobs_domain::service::SubmitError;
use jobs_domain::{InvalidDocument, JobId};
use jobs_wire::api::{self, ErrorBody};
use tracing::{error, warn};

/// Every way a request to the API can fail. Each handler returns
/// `Result<_, ApiError>` and `?` does the rest.
#[derive(Debug)]
pub(crate) enum ApiError {
    InvalidIdempotencyKey(InvalidIdempotencyKey),
    InvalidBody(InvalidDocument),
    InvalidJobId(InvalidJobId),
    JobNotFound(JobId),
    /// The key was sent before with another body.
    IdempotencyConflict,
    /// The job was stored, then its execution could not be started.
    StartFailed {
        id: JobId,
        reason: StartError,
    },
    Store(StoreError),
    /// No route has this path.
    NoRoute,
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::IdempotencyConflict => Self::IdempotencyConflict,
            SubmitError::Store(e) => Self::Store(e),
            SubmitError::StartFailed { id, reason } => Self::StartFailed { id, reason },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message, details) = match self {
            Self::InvalidIdempotencyKey(e) => (
                StatusCode::BAD_REQUEST,
                format!("Invalid {} header", api::IDEMPOTENCY_KEY_TITLE),
                Some(e.to_string()),
            ),
            Self::InvalidBody(e) => (
                StatusCode::BAD_REQUEST,
                "Invalid request body".into(),
                Some(e.to_string()),
            ),
            Self::InvalidJobId(e) => (
                StatusCode::BAD_REQUEST,
                "Invalid job id".into(),
                Some(e.to_string()),
            ),
            Self::JobNotFound(id) => (
                StatusCode::NOT_FOUND,
                "Job not found".into(),
                Some(format!("no job has id {id}")),
            ),
            Self::IdempotencyConflict => (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "This {} was already used with a different request body",
                    api::IDEMPOTENCY_KEY_TITLE
                ),
                Some("use a new key for a new request, or resend the original body".into()),
            ),
            Self::StartFailed { id, reason } => {
                let mut response = error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorBody::new(
                        "The job could not be started and was marked Failure; retry the request",
                        Some(reason.to_string()),
                    ),
                );
                if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
                    response.headers_mut().insert(api::JOB_ID, value);
                }
                response.extensions_mut().insert(id);
                return response;
            }
            // The domain refuses these before the store is asked; a store
            // that refuses one anyway still gets the client a 400.
            Self::Store(StoreError::Unstorable(e)) => (
                StatusCode::BAD_REQUEST,
                "Invalid request body".into(),
                Some(e),
            ),
            Self::Store(e @ StoreError::Unavailable(_)) => {
                warn!(error = %e, "job store unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The job store is unavailable; retry the request".into(),
                    None,
                )
            }
            Self::Store(e) => {
                error!(error = %e, "job store failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal server error".into(),
                    None,
                )
            }
            Self::NoRoute => (
                StatusCode::NOT_FOUND,
                "Not found".into(),
                Some(format!(
                    "the API has POST {} and GET {}",
                    api::JOBS,
                    api::JOB_ROUTE
                )),
            ),
        };
        error_response(status, ErrorBody::new(message, details))
    }
}

/// The one place an error body becomes a response: the API's own errors
/// and the local gateway's (which stand in for API Gateway's) both go
/// through it.
pub fn error_response(status: StatusCode, body: ErrorBody) -> Response {
    (status, Json(body)).into_response()
}
