//! An example workflow function: the Lambda step `Notify` that a workflow may add after its
//! job, composing the message a notification (an SNS publish, an email) would carry from
//! the job as the store has it. It shows the whole contract of a workflow function (see
//! [`jobs_domain::function`]): `handle` for the Lambda `main`, `local` for the local stack.
//!
//! Layout: this file alone.

#![warn(unreachable_pub)]

use std::sync::Arc;

use jobs_domain::function::{from_fn, FunctionEnv, WorkflowFunction};
use jobs_domain::ports::JobStore;
use jobs_domain::workflow::TaskFailure;
use jobs_domain::JobId;
use serde_json::{json, Value};

/// Handles one invocation: `{"id": JOB_ID, ...}` in (the workflow input), the message out.
pub async fn handle(store: &dyn JobStore, event: Value) -> Result<Value, TaskFailure> {
    let id: JobId = event
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| TaskFailure::new("InvalidInput", "the payload must carry the job's id"))?
        .parse()
        .map_err(|e| TaskFailure::new("InvalidInput", format!("the job id: {e}")))?;
    let job = store
        .get(&id)
        .await
        .map_err(|e| TaskFailure::new("JobStoreUnavailable", e))?
        .ok_or_else(|| TaskFailure::new("JobNotFound", format!("no job {id}")))?;
    let status = job.status.to_string();
    Ok(json!({
        "jobId": id,
        "subject": format!("Job {id}: {status}"),
        "status": status,
        "results": job.results,
    }))
}

/// The function as the local stack runs it, over the stack's job store.
pub fn local(env: &FunctionEnv) -> Arc<dyn WorkflowFunction> {
    let store = env.jobs.clone();
    from_fn(move |payload| {
        let store = store.clone();
        async move { handle(store.as_ref(), payload).await }
    })
}
