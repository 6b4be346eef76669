//! The error-handler Lambda's handler, called with RecordFailure's task input:
//! the workflow input plus the processor's error under `processorError`, as
//! ProcessJob's Catch (`ResultPath: $.processorError`) leaves it.

use std::sync::Arc;

use chrono::Utc;
use jobs_domain::ports::JobStore;
use jobs_domain::testing::{FixedClock, MemoryStore, TestJob};
use jobs_domain::workflow::ErrorHandler;
use jobs_domain::{Job, JobError, JobId, JobStatus};
use serde_json::{json, Value};

async fn setup(status: JobStatus) -> (Arc<MemoryStore>, ErrorHandler, JobId) {
    let store = Arc::new(MemoryStore::default());
    let job = Job::queued(JobId::random(), TestJob::params(500), Utc::now());
    store.create(&job, None).await.unwrap();
    store.force_status(&job.id, status);
    let handler = ErrorHandler::new(store.clone(), Arc::new(FixedClock::default()));
    (store, handler, job.id)
}

/// What Step Functions hands on when a Lambda function fails.
fn task_input(id: JobId) -> Value {
    json!({
        "id": id,
        "parameters": {"n": 500},
        "processorError": {
            "Error": "TooBig",
            "Cause": "{\"errorType\":\"TooBig\",\"errorMessage\":\"n is 500; at most 100 runs\"}"
        }
    })
}

#[tokio::test]
async fn the_processor_error_is_recorded_as_the_job_failure() {
    let (store, handler, id) = setup(JobStatus::Queued).await;
    let output = jobs_error_handler::handle(&handler, task_input(id))
        .await
        .unwrap();
    assert_eq!(output["status"], "Failure");
    let job = store.get(&id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Failure);
    assert_eq!(job.parameters, TestJob::params(500));
    assert_eq!(
        job.error.unwrap(),
        JobError {
            error: "TooBig".into(),
            cause: "n is 500; at most 100 runs".into()
        }
    );
}

#[tokio::test]
async fn a_timeout_of_a_running_job_is_recorded() {
    let (store, handler, id) = setup(JobStatus::Running).await;
    let mut input = task_input(id);
    input["processorError"] = json!({"Error": "States.Timeout", "Cause": ""});
    jobs_error_handler::handle(&handler, input).await.unwrap();
    let job = store.get(&id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Failure);
    assert_eq!(job.error.unwrap().error, "States.Timeout");
}

#[tokio::test]
async fn a_success_is_never_overwritten() {
    let (store, handler, id) = setup(JobStatus::Success).await;
    let output = jobs_error_handler::handle(&handler, task_input(id))
        .await
        .unwrap();
    assert_eq!(output["status"], "Success");
    let job = store.get(&id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Success);
    assert!(job.error.is_none());
    assert!(store.statuses_written(&id).is_empty());
}

#[tokio::test]
async fn a_store_failure_fails_the_task_so_the_workflow_archives_the_job() {
    let (store, handler, id) = setup(JobStatus::Running).await;
    store.fail_writes(true);
    let err = jobs_error_handler::handle(&handler, task_input(id))
        .await
        .unwrap_err();
    assert_eq!(err.error, "JobStoreUnavailable");
    store.fail_writes(false);
    assert_eq!(
        store.get(&id).await.unwrap().unwrap().status,
        JobStatus::Running
    );
}

#[tokio::test]
async fn malformed_input_is_refused() {
    let (_, handler, _) = setup(JobStatus::Queued).await;
    let err = jobs_error_handler::handle(&handler, json!({"processorError": {"Error": "X"}}))
        .await
        .unwrap_err();
    assert_eq!(err.error, "InvalidWorkflowInput");
}
