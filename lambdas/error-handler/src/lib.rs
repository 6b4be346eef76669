//! The error-handler Lambda's handler: the processor's failure in, the job
//! recorded as `Failure`. If this fails, the workflow archives the job.

use jobs_domain::workflow::{ErrorHandler, FailureInput, TaskFailure};
use lambda_runtime::Diagnostic;
use serde_json::Value;
use tracing::Instrument;

pub async fn handle(handler: &ErrorHandler, event: Value) -> Result<Value, Diagnostic> {
    let input: FailureInput = serde_json::from_value(event).map_err(|e| Diagnostic {
        error_type: "InvalidWorkflowInput".into(),
        error_message: format!(
            "the task input must be {{\"id\", \"parameters\", \"processorError\": {{\"Error\", \"Cause\"}}}}: {e}"
        ),
    })?;
    let span = tracing::info_span!("job", job_id = %input.id);
    handler
        .record_failure(&input)
        .instrument(span.clone())
        .await
        .map_err(|failure| span.in_scope(|| diagnostic(failure)))
}

fn diagnostic(failure: TaskFailure) -> Diagnostic {
    tracing::error!(error = failure.error, message = %failure.message, "failure could not be recorded");
    Diagnostic {
        error_type: failure.error.into(),
        error_message: failure.message,
    }
}
