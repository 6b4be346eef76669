//! The workflow's use cases: the processor's and the error handler's. Both are
//! safe to run twice for one job (Express executions are at-least-once): every
//! write is conditional, and a refused write is read back to tell a harmless
//! duplicate from a stale execution.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::id::JobId;
use crate::job::{Job, JobError};
use crate::parameters::JobParameters;
use crate::ports::{
    Clock, JobStore, ReplayInfo, StatusChange, StoreError, TransitionError, WorkflowInput,
};
use crate::status::Cause;
use crate::status::JobStatus;

/// A task failure as the workflow sees it: `error` becomes the Step Functions
/// error name (what Catch and Retry match on), `message` its cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {message}")]
pub struct TaskFailure {
    pub error: &'static str,
    pub message: String,
}

impl TaskFailure {
    pub fn new(error: &'static str, message: impl ToString) -> Self {
        Self {
            error,
            message: message.to_string(),
        }
    }

    fn store(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::new("JobStoreUnavailable", e),
            _ => Self::new("JobStoreFailed", e),
        }
    }

    fn rejected(id: &JobId, current: Option<Box<Job>>, wanted: JobStatus) -> Self {
        match current {
            None => Self::new("JobNotFound", format!("job {id} does not exist")),
            Some(job) => Self::new(
                "StaleExecution",
                format!(
                    "job {id} is {}, so it cannot become {wanted}{}",
                    job.status,
                    if job.status == JobStatus::Failure {
                        "; only a replay of the failed-jobs archive may run it again"
                    } else {
                        ""
                    }
                ),
            ),
        }
    }
}

/// How the sample job does its work. The processor waits; tests and the
/// local stack may substitute.
pub async fn sample_work(parameters: &JobParameters) -> Value {
    tokio::time::sleep(Duration::from_secs(parameters.seconds)).await;
    json!({ "message": format!("I slept for {} seconds", parameters.seconds) })
}

#[derive(Clone)]
pub struct Processor {
    store: Arc<dyn JobStore>,
    clock: Arc<dyn Clock>,
}

impl Processor {
    pub fn new(store: Arc<dyn JobStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Checks the parameters again (typed), marks the job `Running`, works,
    /// and records `Success` with the results. Returns the workflow's output.
    pub async fn process(&self, input: &WorkflowInput) -> Result<Value, TaskFailure> {
        let id = input.id;
        let parameters = JobParameters::from_value(&input.parameters)
            .map_err(|e| TaskFailure::new("InvalidJobParameters", e))?;
        parameters
            .ensure_runnable()
            .map_err(|e| TaskFailure::new("JobTooLong", e))?;

        let running = StatusChange::new(id, JobStatus::Running, input.cause(), self.clock.now());
        match self.store.transition(&running).await {
            Ok(_) => {
                info!(job_id = %id, replay = input.replay.as_ref().map(|r| r.name.as_str()), "job running")
            }
            Err(TransitionError::Rejected { current: Some(job) })
                if job.status == JobStatus::Success =>
            {
                info!(job_id = %id, "job already succeeded; this execution is a duplicate");
                return Ok(success_output(&job));
            }
            Err(TransitionError::Rejected { current }) => {
                return Err(TaskFailure::rejected(&id, current, JobStatus::Running))
            }
            Err(TransitionError::Store(e)) => return Err(TaskFailure::store(e)),
        }

        let results = sample_work(&parameters).await;

        let success = StatusChange::new(id, JobStatus::Success, input.cause(), self.clock.now())
            .with_results(results);
        match self.store.transition(&success).await {
            Ok(job) => {
                info!(job_id = %id, "job succeeded");
                Ok(success_output(&job))
            }
            Err(TransitionError::Rejected { current: Some(job) })
                if job.status == JobStatus::Success =>
            {
                info!(job_id = %id, "a duplicate execution recorded success first; keeping its results");
                Ok(success_output(&job))
            }
            Err(TransitionError::Rejected { current }) => {
                Err(TaskFailure::rejected(&id, current, JobStatus::Success))
            }
            Err(TransitionError::Store(e)) => Err(TaskFailure::store(e)),
        }
    }
}

fn success_output(job: &Job) -> Value {
    json!({ "id": job.id, "status": job.status, "results": job.results })
}

/// A Step Functions error as Catch hands it on: `{"Error", "Cause"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

/// The error handler's input: the workflow input plus the processor's error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureInput {
    pub id: JobId,
    #[serde(default)]
    pub parameters: Value,
    #[serde(default)]
    pub processor_error: Option<StepError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayInfo>,
}

#[derive(Clone)]
pub struct ErrorHandler {
    store: Arc<dyn JobStore>,
    clock: Arc<dyn Clock>,
}

impl ErrorHandler {
    pub fn new(store: Arc<dyn JobStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Records `Failure` and the processor's error on the job. A job that
    /// already succeeded is left alone (a stale failure never overwrites a
    /// success); a job already failed keeps its first error.
    pub async fn record_failure(&self, input: &FailureInput) -> Result<Value, TaskFailure> {
        let id = input.id;
        let error = job_error(input.processor_error.as_ref());
        let change = StatusChange::new(id, JobStatus::Failure, Cause::Execution, self.clock.now())
            .with_error(error);
        match self.store.transition(&change).await {
            Ok(job) => {
                info!(job_id = %id, error = %change.error.as_ref().map(|e| e.error.as_str()).unwrap_or(""), "job failed");
                Ok(failure_output(&job))
            }
            Err(TransitionError::Rejected { current: Some(job) }) if job.status.is_final() => {
                warn!(job_id = %id, status = %job.status, "job already final; failure not recorded again");
                Ok(failure_output(&job))
            }
            Err(TransitionError::Rejected { current }) => {
                Err(TaskFailure::rejected(&id, current, JobStatus::Failure))
            }
            Err(TransitionError::Store(e)) => Err(TaskFailure::store(e)),
        }
    }
}

fn failure_output(job: &Job) -> Value {
    json!({ "id": job.id, "status": job.status, "error": job.error })
}

/// Turns the Catch error into what the job shows. Lambda wraps a function's
/// error as a JSON cause (`{"errorType", "errorMessage", ...}`); the message
/// alone is what a user wants to read.
pub fn job_error(step: Option<&StepError>) -> JobError {
    let Some(step) = step else {
        return JobError {
            error: "UnknownError".into(),
            cause: "the workflow reported a failure without an error".into(),
        };
    };
    let cause = serde_json::from_str::<Value>(&step.cause)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| step.cause.clone());
    JobError {
        error: step.error.clone(),
        cause,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FixedClock, MemoryStore};
    use chrono::Utc;

    async fn queued(store: &MemoryStore, seconds: u64) -> JobId {
        let job = Job::queued(JobId::random(), JobParameters { seconds }, Utc::now());
        store.create(&job, None).await.unwrap();
        job.id
    }

    fn input(id: JobId, seconds: Value) -> WorkflowInput {
        WorkflowInput {
            id,
            parameters: json!({ "seconds": seconds }),
            replay: None,
            redrive: None,
        }
    }

    fn processor(store: &Arc<MemoryStore>) -> Processor {
        Processor::new(store.clone(), Arc::new(FixedClock::default()))
    }

    fn handler(store: &Arc<MemoryStore>) -> ErrorHandler {
        ErrorHandler::new(store.clone(), Arc::new(FixedClock::default()))
    }

    #[tokio::test(start_paused = true)]
    async fn processing_runs_the_job_to_success() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 3).await;
        let started = tokio::time::Instant::now();
        let out = processor(&store)
            .process(&input(id, json!(3)))
            .await
            .unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        assert_eq!(out["status"], "Success");
        assert_eq!(out["results"]["message"], "I slept for 3 seconds");
        let job = store.get(&id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Success);
        assert_eq!(job.results.unwrap()["message"], "I slept for 3 seconds");
        assert_eq!(
            store.statuses_written(&id),
            vec![JobStatus::Running, JobStatus::Success]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn too_long_fails_without_touching_the_job() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1000).await;
        let err = processor(&store)
            .process(&input(id, json!(1000)))
            .await
            .unwrap_err();
        assert_eq!(err.error, "JobTooLong");
        assert!(err.message.contains("at most 180"), "{}", err.message);
        assert_eq!(
            store.get(&id).await.unwrap().unwrap().status,
            JobStatus::Queued
        );
    }

    #[tokio::test]
    async fn invalid_parameters_are_refused_by_the_typed_parse() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        for bad in [json!("3"), json!(0), json!(1.5), json!(null)] {
            let err = processor(&store)
                .process(&input(id, bad.clone()))
                .await
                .unwrap_err();
            assert_eq!(err.error, "InvalidJobParameters", "{bad}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_duplicate_after_success_does_no_work_and_keeps_the_results() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 2).await;
        processor(&store)
            .process(&input(id, json!(2)))
            .await
            .unwrap();
        let before = store.get(&id).await.unwrap().unwrap();
        let started = tokio::time::Instant::now();
        let out = processor(&store)
            .process(&input(id, json!(2)))
            .await
            .unwrap();
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(out["status"], "Success");
        assert_eq!(store.get(&id).await.unwrap().unwrap(), before);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_duplicates_both_finish_and_success_is_written_once() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 2).await;
        let (p1, p2) = (processor(&store), processor(&store));
        let (i1, i2) = (input(id, json!(2)), input(id, json!(2)));
        let (a, b) = tokio::join!(p1.process(&i1), p2.process(&i2));
        assert_eq!(a.unwrap()["status"], "Success");
        assert_eq!(b.unwrap()["status"], "Success");
        let writes = store.statuses_written(&id);
        assert_eq!(
            writes.iter().filter(|s| **s == JobStatus::Success).count(),
            1
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stale_execution_cannot_revive_a_failed_job() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        handler(&store)
            .record_failure(&FailureInput {
                id,
                parameters: json!({"seconds": 1}),
                processor_error: Some(StepError {
                    error: "States.Timeout".into(),
                    cause: String::new(),
                }),
                replay: None,
            })
            .await
            .unwrap();
        let err = processor(&store)
            .process(&input(id, json!(1)))
            .await
            .unwrap_err();
        assert_eq!(err.error, "StaleExecution");
        assert!(err.message.contains("replay"), "{}", err.message);
        assert_eq!(
            store.get(&id).await.unwrap().unwrap().status,
            JobStatus::Failure
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_replay_revives_a_failed_job() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        handler(&store)
            .record_failure(&FailureInput {
                id,
                parameters: json!({"seconds": 1}),
                processor_error: Some(StepError {
                    error: "Boom".into(),
                    cause: String::new(),
                }),
                replay: None,
            })
            .await
            .unwrap();
        let mut replayed = input(id, json!(1));
        replayed.replay = Some(ReplayInfo { name: "r1".into() });
        let out = processor(&store).process(&replayed).await.unwrap();
        assert_eq!(out["status"], "Success");
        let job = store.get(&id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Success);
        assert_eq!(job.error, None, "a replayed job sheds its old error");
        assert_eq!(
            store.statuses_written(&id),
            vec![JobStatus::Failure, JobStatus::Running, JobStatus::Success]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn success_recorded_elsewhere_wins_over_a_late_failure() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        processor(&store)
            .process(&input(id, json!(1)))
            .await
            .unwrap();
        let out = handler(&store)
            .record_failure(&FailureInput {
                id,
                parameters: json!({"seconds": 1}),
                processor_error: Some(StepError {
                    error: "States.Timeout".into(),
                    cause: String::new(),
                }),
                replay: None,
            })
            .await
            .unwrap();
        assert_eq!(out["status"], "Success");
        let job = store.get(&id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Success);
        assert!(job.error.is_none());
    }

    #[tokio::test]
    async fn the_error_handler_stores_a_readable_error() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1000).await;
        let cause = json!({"errorType": "JobTooLong", "errorMessage": "seconds is 1000, but..."})
            .to_string();
        let out = handler(&store)
            .record_failure(&FailureInput {
                id,
                parameters: json!({"seconds": 1000}),
                processor_error: Some(StepError {
                    error: "JobTooLong".into(),
                    cause,
                }),
                replay: None,
            })
            .await
            .unwrap();
        assert_eq!(out["status"], "Failure");
        let job = store.get(&id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failure);
        assert_eq!(job.parameters.seconds, 1000);
        assert_eq!(
            job.error.unwrap(),
            JobError {
                error: "JobTooLong".into(),
                cause: "seconds is 1000, but...".into()
            }
        );
    }

    #[tokio::test]
    async fn the_error_handler_fails_when_the_store_does() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        store.fail_writes(true);
        let err = handler(&store)
            .record_failure(&FailureInput {
                id,
                parameters: json!({"seconds": 1}),
                processor_error: None,
                replay: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.error, "JobStoreUnavailable");
    }

    #[tokio::test]
    async fn the_error_handler_fails_for_an_unknown_job() {
        let store = Arc::new(MemoryStore::default());
        let err = handler(&store)
            .record_failure(&FailureInput {
                id: JobId::random(),
                parameters: Value::Null,
                processor_error: None,
                replay: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.error, "JobNotFound");
    }

    #[test]
    fn failure_input_reads_the_catch_shape() {
        let input: FailureInput = serde_json::from_value(json!({
            "id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
            "parameters": {"seconds": 3},
            "processorError": {"Error": "States.Timeout", "Cause": "took too long"}
        }))
        .unwrap();
        assert_eq!(input.processor_error.unwrap().error, "States.Timeout");
        assert_eq!(job_error(None).error, "UnknownError");
        let plain = StepError {
            error: "E".into(),
            cause: "not json".into(),
        };
        assert_eq!(job_error(Some(&plain)).cause, "not json");
    }
}
