//! The contract of a workflow function: a Lambda that a Task state of the workflow invokes
//! (`arn:aws:states:::lambda:invoke`). Its crate exposes `handle` for its Lambda `main` and
//! `local(&FunctionEnv) -> Arc<dyn WorkflowFunction>` for the local stack, which runs it
//! in-process with the payload Lambda would deliver (the state's `Payload`) and turns its
//! result or [`TaskFailure`] into what `lambda:invoke` gives the workflow on AWS.
//!
//! Locally a function gets the job store (the same SQLite store the API writes), the stack's
//! clock, the job's work, and where its own AWS SDK calls go: the endpoint the user names
//! with `--aws-endpoint`, never AWS itself. A function that needs AWS fails clearly without
//! one ([`AwsTarget::endpoint`]).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::ports::{Clock, JobStore};
use crate::work::DynWork;
use crate::workflow::TaskFailure;

/// The error of a function that needs AWS where the local stack has no endpoint for it.
pub const NO_AWS_ENDPOINT: &str = "Local.NoAwsEndpoint";

/// One workflow function, as the local stack invokes it.
#[async_trait]
pub trait WorkflowFunction: Send + Sync {
    /// One invocation with the payload Lambda delivers; the value the function returns.
    async fn invoke(&self, payload: Value) -> Result<Value, TaskFailure>;
}

/// What a function gets from the local stack.
#[derive(Clone)]
pub struct FunctionEnv {
    /// The function's key in the manifest (`lambdas/functions.json`).
    pub key: String,
    pub jobs: Arc<dyn JobStore>,
    pub clock: Arc<dyn Clock>,
    /// The job's work, for the functions that run it (the processor).
    pub work: Arc<dyn DynWork>,
    pub aws: AwsTarget,
}

/// Where a function's own AWS calls go locally.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsTarget {
    pub region: String,
    /// The endpoint (an emulator such as moto on 127.0.0.1) the user named, if any.
    pub endpoint: Option<String>,
}

impl AwsTarget {
    /// The endpoint for `function`'s AWS calls, or a failure that says how to give one.
    pub fn endpoint(&self, function: &str) -> Result<&str, TaskFailure> {
        self.endpoint.as_deref().ok_or_else(|| {
            TaskFailure::new(
                NO_AWS_ENDPOINT,
                format!(
                    "the function {function} calls AWS, and the local stack never calls AWS: \
                     start it with --aws-endpoint URL (or JOBS_LOCAL_AWS_ENDPOINT), an endpoint \
                     that serves those calls, such as moto_server on 127.0.0.1"
                ),
            )
        })
    }
}

/// A function from an async closure over its payload, for crates whose handler needs only
/// what it captured.
pub fn from_fn<F, Fut>(f: F) -> Arc<dyn WorkflowFunction>
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Value, TaskFailure>> + Send + 'static,
{
    struct FnFunction<F>(F);

    #[async_trait]
    impl<F, Fut> WorkflowFunction for FnFunction<F>
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Value, TaskFailure>> + Send + 'static,
    {
        async fn invoke(&self, payload: Value) -> Result<Value, TaskFailure> {
            (self.0)(payload).await
        }
    }

    Arc::new(FnFunction(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_function_without_an_endpoint_fails_saying_how_to_give_one() {
        let none = AwsTarget {
            region: "us-east-1".into(),
            endpoint: None,
        };
        let e = none.endpoint("notify").unwrap_err();
        assert_eq!(e.error, NO_AWS_ENDPOINT);
        assert!(e.message.contains("--aws-endpoint"), "{}", e.message);
        let some = AwsTarget {
            region: "us-east-1".into(),
            endpoint: Some("http://127.0.0.1:5000".into()),
        };
        assert_eq!(some.endpoint("notify").unwrap(), "http://127.0.0.1:5000");

        let f = from_fn(|v: Value| async move { Ok(serde_json::json!({"got": v})) });
        assert_eq!(
            f.invoke(serde_json::json!(1)).await.unwrap(),
            serde_json::json!({"got": 1})
        );
    }
}
