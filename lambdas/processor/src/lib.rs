//! The processor Lambda's handler: the workflow's task input in, the job's
//! outcome out. A failure becomes a Lambda function error whose type is what
//! the workflow's Catch and Retry match on.

use jobs_domain::ports::WorkflowInput;
use jobs_domain::workflow::{Processor, TaskFailure};
use lambda_runtime::Diagnostic;
use serde_json::Value;
use tracing::Instrument;

pub async fn handle(processor: &Processor, event: Value) -> Result<Value, Diagnostic> {
    let input: WorkflowInput = serde_json::from_value(event).map_err(|e| Diagnostic {
        error_type: "InvalidWorkflowInput".into(),
        error_message: format!(
            "the task input must be {{\"id\", \"parameters\", \"replay\"?}}: {e}"
        ),
    })?;
    let span = tracing::info_span!("job", job_id = %input.id);
    processor
        .process(&input)
        .instrument(span.clone())
        .await
        .map_err(|failure| span.in_scope(|| diagnostic(failure)))
}

pub fn diagnostic(failure: TaskFailure) -> Diagnostic {
    tracing::warn!(error = failure.error, message = %failure.message, "task failed");
    Diagnostic {
        error_type: failure.error.into(),
        error_message: failure.message,
    }
}
