//! The workflow's use cases: the processor's and the error handler's. Both are
//! safe to run twice for one job (Express executions are at-least-once): every
//! write is conditional, and a refused write is read back to tell a harmless
//! duplicate from a stale execution.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::id::JobId;
use crate::job::{Job, JobError};
use crate::ports::{
    Clock, JobStore, ReplayInfo, StatusChange, StoreError, TransitionError, WorkflowInput,
};
use crate::status::Cause;
use crate::status::JobStatus;
use crate::work::{DynWork, JobFailure, RunContext};

/// A task failure as the workflow sees it: `error` becomes the Step Functions
/// error name (what Catch and Retry match on), `message` its cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {message}")]
pub struct TaskFailure {
    pub error: String,
    pub message: String,
}

impl From<JobFailure> for TaskFailure {
    fn from(failure: JobFailure) -> Self {
        Self {
            error: failure.error,
            message: failure.message,
        }
    }
}

impl TaskFailure {
    pub fn new(error: impl Into<String>, message: impl ToString) -> Self {
        Self {
            error: error.into(),
            message: message.to_string(),
        }
    }

    fn store(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::new("JobStoreUnavailable", e),
            StoreError::Unstorable(_) => Self::new("JobResultsUnstorable", e),
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

#[derive(Clone)]
pub struct Processor {
    work: Arc<dyn DynWork>,
    store: Arc<dyn JobStore>,
    clock: Arc<dyn Clock>,
}

impl Processor {
    pub fn new(work: Arc<dyn DynWork>, store: Arc<dyn JobStore>, clock: Arc<dyn Clock>) -> Self {
        Self { work, store, clock }
    }

    /// Checks the parameters again with the job's type and its checks, asks
    /// the job whether it can run them, marks the job `Running`, runs it, and
    /// records `Success` with the results. Returns the workflow's output. A
    /// job's failure keeps the error name it gave, for the workflow's Catch.
    pub async fn process(&self, input: &WorkflowInput) -> Result<Value, TaskFailure> {
        let id = input.id;
        let parameters = self
            .work
            .check(&input.parameters)
            .map_err(|e| TaskFailure::new("InvalidJobParameters", e))?;
        self.work.admit(&parameters)?;

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

        let started = self.clock.now();
        let context = RunContext {
            id,
            deadline: started + self.work.limits().time,
            span: tracing::Span::current(),
        };
        let results = self.work.run(context, &parameters).await?;

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
    use crate::testing::{FixedClock, MemoryStore, TestJob};
    use chrono::Utc;

    async fn queued(store: &MemoryStore, n: u64) -> JobId {
        let job = Job::queued(JobId::random(), TestJob::params(n), Utc::now());
        store.create(&job, None).await.unwrap();
        job.id
    }

    fn input(id: JobId, n: Value) -> WorkflowInput {
        WorkflowInput {
            id,
            parameters: json!({ "n": n }),
            replay: None,
            redrive: None,
        }
    }

    fn processor(store: &Arc<MemoryStore>) -> Processor {
        processor_of(store, TestJob::default())
    }

    fn processor_of(store: &Arc<MemoryStore>, job: TestJob) -> Processor {
        Processor::new(
            Arc::new(job),
            store.clone(),
            Arc::new(FixedClock::default()),
        )
    }

    fn handler(store: &Arc<MemoryStore>) -> ErrorHandler {
        ErrorHandler::new(store.clone(), Arc::new(FixedClock::default()))
    }

    #[tokio::test]
    async fn processing_runs_the_job_to_success() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 3).await;
        let out = processor(&store)
            .process(&input(id, json!(3)))
            .await
            .unwrap();
        assert_eq!(out["status"], "Success");
        assert_eq!(out["results"], json!({"doubled": 6}));
        let job = store.get(&id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Success);
        assert_eq!(job.results.unwrap(), json!({"doubled": 6}));
        assert_eq!(
            store.statuses_written(&id),
            vec![JobStatus::Running, JobStatus::Success]
        );
    }

    #[tokio::test]
    async fn a_job_the_job_refuses_to_run_fails_with_its_error_without_touching_the_job() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 500).await;
        let err = processor(&store)
            .process(&input(id, json!(500)))
            .await
            .unwrap_err();
        assert_eq!(err.error, "TooBig");
        assert!(err.message.contains("at most 100"), "{}", err.message);
        assert_eq!(
            store.get(&id).await.unwrap().unwrap().status,
            JobStatus::Queued
        );
    }

    #[tokio::test]
    async fn invalid_parameters_are_refused_by_the_typed_parse() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        for bad in [json!("3"), json!(-1), json!(1.5), json!(null), json!(1001)] {
            let err = processor(&store)
                .process(&input(id, bad.clone()))
                .await
                .unwrap_err();
            assert_eq!(err.error, "InvalidJobParameters", "{bad}");
        }
    }

    #[tokio::test]
    async fn a_duplicate_after_success_does_no_work_and_keeps_the_results() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 2).await;
        processor(&store)
            .process(&input(id, json!(2)))
            .await
            .unwrap();
        let before = store.get(&id).await.unwrap().unwrap();
        // Told to fail if it ran: it must not run.
        let mut again = input(id, json!(2));
        again.parameters["fail"] = json!("RanTwice");
        let out = processor(&store).process(&again).await.unwrap();
        assert_eq!(out["status"], "Success");
        assert_eq!(store.get(&id).await.unwrap().unwrap(), before);
    }

    #[tokio::test]
    async fn concurrent_duplicates_both_finish_and_success_is_written_once() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 2).await;
        let job = TestJob::default();
        let p = processor_of(&store, job.clone());
        let mut held = input(id, json!(2));
        held.parameters["hold"] = json!(true);
        let first = tokio::spawn({
            let (p, held) = (p.clone(), held.clone());
            async move { p.process(&held).await }
        });
        while store.get(&id).await.unwrap().unwrap().status != JobStatus::Running {
            tokio::task::yield_now().await;
        }
        // The duplicate arrives while the first is Running: it may run too
        // (Running -> Running is allowed for a redelivered execution).
        let second = tokio::spawn({
            let (p, held) = (p.clone(), held.clone());
            async move { p.process(&held).await }
        });
        job.release();
        let (a, b) = (first.await.unwrap(), second.await.unwrap());
        assert_eq!(a.unwrap()["status"], "Success");
        assert_eq!(b.unwrap()["status"], "Success");
        let writes = store.statuses_written(&id);
        assert_eq!(
            writes.iter().filter(|s| **s == JobStatus::Success).count(),
            1
        );
    }

    #[tokio::test]
    async fn a_job_that_fails_keeps_its_error_name_and_stays_running_for_the_catch() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        let mut failing = input(id, json!(1));
        failing.parameters["fail"] = json!("PaymentDeclined");
        let err = processor(&store).process(&failing).await.unwrap_err();
        assert_eq!(err.error, "PaymentDeclined");
        assert_eq!(
            store.get(&id).await.unwrap().unwrap().status,
            JobStatus::Running
        );
    }

    #[tokio::test]
    async fn a_stale_execution_cannot_revive_a_failed_job() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        handler(&store)
            .record_failure(&FailureInput {
                id,
                parameters: json!({"n": 1}),
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

    #[tokio::test]
    async fn a_replay_revives_a_failed_job() {
        let store = Arc::new(MemoryStore::default());
        let id = queued(&store, 1).await;
        handler(&store)
            .record_failure(&FailureInput {
                id,
                parameters: json!({"n": 1}),
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

    #[tokio::test]
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
                parameters: json!({"n": 1}),
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
        let cause = json!({"errorType": "TooBig", "errorMessage": "n is 1000, but..."}).to_string();
        let out = handler(&store)
            .record_failure(&FailureInput {
                id,
                parameters: json!({"n": 1000}),
                processor_error: Some(StepError {
                    error: "TooBig".into(),
                    cause,
                }),
                replay: None,
            })
            .await
            .unwrap();
        assert_eq!(out["status"], "Failure");
        let job = store.get(&id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failure);
        assert_eq!(job.parameters, TestJob::params(1000));
        assert_eq!(
            job.error.unwrap(),
            JobError {
                error: "TooBig".into(),
                cause: "n is 1000, but...".into()
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
                parameters: json!({"n": 1}),
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
            "parameters": {"n": 3},
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
