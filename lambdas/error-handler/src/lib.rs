//! The error-handler Lambda's handler: the processor's failure in, the job
//! recorded as `Failure`. If this fails, the workflow archives the job. The
//! Lambda `main` and the local stack both call [`handle`].

use jobs_domain::workflow::{ErrorHandler, FailureInput, TaskFailure};
use serde_json::Value;
use tracing::Instrument;

/// Handles one invocation with the payload Lambda delivers (RecordFailure's
/// task input: the workflow input plus `processorError`).
pub async fn handle(handler: &ErrorHandler, event: Value) -> Result<Value, TaskFailure> {
    let input: FailureInput = serde_json::from_value(event).map_err(|e| {
        TaskFailure::new(
            "InvalidWorkflowInput",
            format!(
                "the task input must be {{\"id\", \"parameters\", \"processorError\": {{\"Error\", \"Cause\"}}}}: {e}"
            ),
        )
    })?;
    let span = tracing::info_span!("job", job_id = %input.id);
    handler
        .record_failure(&input)
        .instrument(span.clone())
        .await
        .inspect_err(|failure| {
            span.in_scope(|| {
                tracing::error!(error = failure.error, message = %failure.message, "failure could not be recorded")
            })
        })
}
