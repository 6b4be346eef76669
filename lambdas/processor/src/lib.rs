//! The processor Lambda's handler: the workflow's task input in, the job's
//! outcome out. A failure is a [`TaskFailure`] whose name is what the
//! workflow's Catch and Retry match on; the Lambda `main` turns it into a
//! function error and the local stack into the same Step Functions error.

use jobs_domain::ports::WorkflowInput;
use jobs_domain::workflow::{Processor, TaskFailure};
use serde_json::Value;
use tracing::Instrument;

/// Handles one invocation with the payload Lambda delivers (ProcessJob's
/// `Payload.$: "$"`: the workflow input).
pub async fn handle(processor: &Processor, event: Value) -> Result<Value, TaskFailure> {
    let input: WorkflowInput = serde_json::from_value(event).map_err(|e| {
        TaskFailure::new(
            "InvalidWorkflowInput",
            format!(
                "the task input must be {{\"id\", \"parameters\", \"replay\"?, \"redrive\"?}}: {e}"
            ),
        )
    })?;
    let span = tracing::info_span!("job", job_id = %input.id);
    processor
        .process(&input)
        .instrument(span.clone())
        .await
        .inspect_err(|failure| {
            span.in_scope(
                || tracing::warn!(error = failure.error, message = %failure.message, "task failed"),
            )
        })
}
