//! The public API on the wire: its routes, headers and bodies. The Router
//! that serves them and every client that calls them read them from here.

use std::fmt::Display;

use jobs_domain::JobId;
use serde::{Deserialize, Serialize};

/// `POST` submits a job; the collection's path.
pub const JOBS: &str = "/jobs";
/// `GET` reads one job: the route pattern, as axum spells a path parameter.
pub const JOB_ROUTE: &str = "/jobs/{jobId}";

/// The path of one job, relative to the API's root.
pub fn job(id: impl Display) -> String {
    format!("{JOBS}/{id}")
}

/// The header a client sets to make `POST /jobs` safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// [`IDEMPOTENCY_KEY`] as messages and forms spell it for people.
pub const IDEMPOTENCY_KEY_TITLE: &str = "Idempotency-Key";
/// Set on a response that repeats an earlier one for the same idempotency key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// Names the job on a 5xx answer to `POST /jobs` after the job was stored.
pub const JOB_ID: &str = "x-job-id";

/// The body of `202 Accepted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub id: JobId,
}

/// The body of every error the API itself answers (API Gateway's own
/// answers, such as a refused signature, carry only `message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// The `POST /jobs` body model (JSON Schema, draft 04), derived from the job
/// crate's parameters type by `jobs generate`: what API Gateway and the
/// local gateway validate with, and what clients type their input by.
pub const REQUEST_MODEL: &str = include_str!("../../lambdas/api/schema/create-job.json");

impl ErrorBody {
    pub fn new(message: impl Into<String>, details: Option<String>) -> Self {
        Self {
            message: message.into(),
            details,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_leaves_out_absent_details() {
        let bare = ErrorBody::new("Not found", None);
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            r#"{"message":"Not found"}"#
        );
        let full = ErrorBody::new("Invalid job id", Some("no".into()));
        assert_eq!(
            serde_json::to_string(&full).unwrap(),
            r#"{"message":"Invalid job id","details":"no"}"#
        );
        assert_eq!(job("x"), "/jobs/x");
    }
}
