//! The processor Lambda's handler: the workflow's task input in, the job's
//! outcome out. A failure is a [`TaskFailure`] whose name is what the
//! workflow's Catch and Retry match on; the Lambda `main` turns it into a
//! function error and the local stack into the same Step Functions error.
//!
//! Layout: this file alone; the task plumbing it shares with the error
//! handler is [`jobs_domain::task::run_task`].

#![warn(unreachable_pub)]

use jobs_domain::function::{from_fn, FunctionEnv, WorkflowFunction};
use jobs_domain::ports::WorkflowInput;
use jobs_domain::task::run_task;
use jobs_domain::workflow::{Processor, TaskFailure};
use serde_json::Value;
use std::sync::Arc;

/// Handles one invocation with the payload Lambda delivers (ProcessJob's
/// `Payload.$: "$"`: the workflow input).
pub async fn handle(processor: &Processor, event: Value) -> Result<Value, TaskFailure> {
    run_task(event, |input: WorkflowInput| async move {
        processor.process(&input).await
    })
    .await
}

/// The function as the local stack runs it, over the stack's store, clock and job.
pub fn local(env: &FunctionEnv) -> Arc<dyn WorkflowFunction> {
    let handler = Arc::new(Processor::new(
        env.work.clone(),
        env.jobs.clone(),
        env.clock.clone(),
    ));
    from_fn(move |payload| {
        let handler = handler.clone();
        async move { handle(&handler, payload).await }
    })
}
