//! One workflow task as its Lambda runs it: the task input read from the
//! payload, the work done in a span that names the job, and a failure
//! logged before it goes back to the workflow. The processor and the error
//! handler are this function with their own input and work.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::{Instrument, Level};

use crate::id::JobId;
use crate::ports::WorkflowInput;
use crate::workflow::{FailureInput, TaskFailure};

/// A task's input as the workflow sends it.
pub trait TaskInput: DeserializeOwned {
    /// The shape the payload must have, for the error that refuses another.
    const SHAPE: &'static str;
    /// How loud a failure is: the processor's failures are the workflow's
    /// business (it retries and catches them), the error handler's mean the
    /// job goes to the archive.
    const FAILURE_LEVEL: Level;
    /// What the log line says when the work fails.
    const FAILURE_LOG: &'static str;

    fn job_id(&self) -> JobId;
}

impl TaskInput for WorkflowInput {
    const SHAPE: &'static str = r#"{"id", "parameters", "replay"?, "redrive"?}"#;
    const FAILURE_LEVEL: Level = Level::WARN;
    const FAILURE_LOG: &'static str = "task failed";

    fn job_id(&self) -> JobId {
        self.id
    }
}

impl TaskInput for FailureInput {
    const SHAPE: &'static str = r#"{"id", "parameters", "processorError": {"Error", "Cause"}}"#;
    const FAILURE_LEVEL: Level = Level::ERROR;
    const FAILURE_LOG: &'static str = "failure could not be recorded";

    fn job_id(&self) -> JobId {
        self.id
    }
}

/// Runs `work` on the task input in `payload`. A payload of another shape
/// is an `InvalidWorkflowInput` failure, and `work` does not run.
pub async fn run_task<I, F, Fut>(payload: Value, work: F) -> Result<Value, TaskFailure>
where
    I: TaskInput,
    F: FnOnce(I) -> Fut,
    Fut: Future<Output = Result<Value, TaskFailure>>,
{
    let input: I = serde_json::from_value(payload).map_err(|e| {
        TaskFailure::new(
            "InvalidWorkflowInput",
            format!("the task input must be {}: {e}", I::SHAPE),
        )
    })?;
    let span = tracing::info_span!("job", job_id = %input.job_id());
    work(input)
        .instrument(span.clone())
        .await
        .inspect_err(|failure| {
            span.in_scope(|| {
                if I::FAILURE_LEVEL == Level::ERROR {
                    tracing::error!(error = failure.error, message = %failure.message, "{}", I::FAILURE_LOG)
                } else {
                    tracing::warn!(error = failure.error, message = %failure.message, "{}", I::FAILURE_LOG)
                }
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn a_payload_of_another_shape_is_refused_before_the_work() {
        let failure = run_task(json!({"n": 1}), |_: WorkflowInput| async {
            panic!("the work ran on a refused input")
        })
        .await
        .unwrap_err();
        assert_eq!(failure.error, "InvalidWorkflowInput");
        assert!(
            failure.message.contains(WorkflowInput::SHAPE),
            "{}",
            failure.message
        );
        let failure = run_task(json!({"id": "x"}), |_: FailureInput| async {
            Ok(Value::Null)
        })
        .await
        .unwrap_err();
        assert!(
            failure.message.contains("processorError"),
            "{}",
            failure.message
        );
    }

    #[tokio::test]
    async fn the_work_gets_the_input_and_its_answer_is_the_tasks() {
        let id = JobId::random();
        let ok = run_task(
            json!({"id": id, "parameters": {}}),
            |input: WorkflowInput| async move { Ok(json!({"seen": input.id})) },
        )
        .await;
        assert_eq!(ok.unwrap(), json!({"seen": id}));
        let failed = run_task(json!({"id": id}), |_: FailureInput| async {
            Err(TaskFailure::new("StoreUnavailable", "down"))
        })
        .await;
        assert_eq!(failed.unwrap_err().error, "StoreUnavailable");
    }
}
