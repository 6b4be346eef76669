//! Serving a workflow task as a Lambda function.

use std::future::Future;

use jobs_domain::workflow::TaskFailure;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::Value;

/// Runs the Lambda runtime loop: each invocation's payload goes to `handle`,
/// and a [`TaskFailure`] becomes a function error whose type is the failure's
/// name, which is what the workflow's Catch and Retry match on.
pub async fn serve_task<F, Fut>(handle: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Value) -> Fut,
    Fut: Future<Output = Result<Value, TaskFailure>>,
{
    let handle = &handle;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handle(event.payload).await.map_err(diagnostic)
    }))
    .await
}

pub fn diagnostic(failure: TaskFailure) -> Diagnostic {
    Diagnostic {
        error_type: failure.error,
        error_message: failure.message,
    }
}
