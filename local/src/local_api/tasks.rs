//! `/local/tasks/*`: completing a waiting callback task, as SendTaskSuccess, SendTaskFailure
//! and SendTaskHeartbeat do on AWS, with their error names.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use jobs_asl::CallbackError;
use jobs_wire::local::{TaskFailure, TaskHeartbeat, TaskSuccess};
use serde::de::DeserializeOwned;

use crate::gateway::message;
use crate::runtime::StackCallbacks;

/// The request body, or why it is not one (the answer's text).
fn body<T: DeserializeOwned>(bytes: &Bytes, shape: &str) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("the body must be {shape}: {e}"))
}

fn refused(why: String) -> Response {
    message(StatusCode::BAD_REQUEST, why)
}

fn answer(r: Result<(), CallbackError>) -> Response {
    match r {
        Ok(()) => Json(serde_json::json!({})).into_response(),
        Err(e) => message(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

pub(super) async fn success(callbacks: &StackCallbacks, bytes: &Bytes) -> Response {
    match body::<TaskSuccess>(bytes, "{\"taskToken\", \"output\"}") {
        Ok(b) => answer(callbacks.success(&b.task_token, &b.output).await),
        Err(why) => refused(why),
    }
}

pub(super) async fn failure(callbacks: &StackCallbacks, bytes: &Bytes) -> Response {
    match body::<TaskFailure>(bytes, "{\"taskToken\", \"error\"?, \"cause\"?}") {
        Ok(b) => answer(callbacks.failure(&b.task_token, &b.error, &b.cause).await),
        Err(why) => refused(why),
    }
}

pub(super) async fn heartbeat(callbacks: &StackCallbacks, bytes: &Bytes) -> Response {
    match body::<TaskHeartbeat>(bytes, "{\"taskToken\"}") {
        Ok(b) => answer(callbacks.heartbeat(&b.task_token).await),
        Err(why) => refused(why),
    }
}
