//! The error-handler Lambda's handler: the processor's failure in, the job
//! recorded as `Failure`. If this fails, the workflow archives the job. The
//! Lambda `main` and the local stack both call [`handle`].
//!
//! Layout: this file alone; the task plumbing it shares with the processor
//! is [`jobs_domain::task::run_task`].

#![warn(unreachable_pub)]

use jobs_domain::function::{from_fn, FunctionEnv, WorkflowFunction};
use jobs_domain::task::run_task;
use jobs_domain::workflow::{ErrorHandler, FailureInput, TaskFailure};
use serde_json::Value;
use std::sync::Arc;

/// Handles one invocation with the payload Lambda delivers (RecordFailure's
/// task input: the workflow input plus `processorError`).
pub async fn handle(handler: &ErrorHandler, event: Value) -> Result<Value, TaskFailure> {
    run_task(event, |input: FailureInput| async move {
        handler.record_failure(&input).await
    })
    .await
}

/// The function as the local stack runs it, over the stack's store, clock and job.
pub fn local(env: &FunctionEnv) -> Arc<dyn WorkflowFunction> {
    let handler = Arc::new(ErrorHandler::new(env.jobs.clone(), env.clock.clone()));
    from_fn(move |payload| {
        let handler = handler.clone();
        async move { handle(&handler, payload).await }
    })
}
