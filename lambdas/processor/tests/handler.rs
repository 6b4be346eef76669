//! The processor Lambda's handler, called with the task input the workflow
//! sends it (`Payload.$: "$"` of ProcessJob).

use std::sync::Arc;

use chrono::Utc;
use jobs_domain::ports::JobStore;
use jobs_domain::testing::{FixedClock, MemoryStore, TestJob};
use jobs_domain::workflow::Processor;
use jobs_domain::{Job, JobId, JobStatus};
use serde_json::json;

async fn setup(n: u64) -> (Arc<MemoryStore>, Processor, JobId) {
    let store = Arc::new(MemoryStore::default());
    let job = Job::queued(JobId::random(), TestJob::params(n), Utc::now());
    store.create(&job, None).await.unwrap();
    let processor = Processor::new(
        Arc::new(TestJob::default()),
        store.clone(),
        Arc::new(FixedClock::default()),
    );
    (store, processor, job.id)
}

#[tokio::test]
async fn a_started_execution_runs_the_job_to_success() {
    let (store, processor, id) = setup(2).await;
    let output = jobs_processor::handle(&processor, json!({"id": id, "parameters": {"n": 2}}))
        .await
        .unwrap();
    assert_eq!(
        output,
        json!({"id": id, "status": "Success", "results": {"doubled": 4}})
    );
    assert_eq!(
        store.get(&id).await.unwrap().unwrap().status,
        JobStatus::Success
    );
}

#[tokio::test]
async fn a_replayed_execution_runs_a_failed_job_again() {
    let (store, processor, id) = setup(1).await;
    store.force_status(&id, JobStatus::Failure);
    let plain = jobs_processor::handle(&processor, json!({"id": id, "parameters": {"n": 1}})).await;
    assert_eq!(plain.unwrap_err().error, "StaleExecution");
    // The replay rule's input transformer output, with the archive's extra fields.
    let output = jobs_processor::handle(
        &processor,
        json!({"id": id, "parameters": {"n": 1}, "replay": {"name": "replay-2026-11-25"}}),
    )
    .await
    .unwrap();
    assert_eq!(output["status"], "Success");
}

#[tokio::test]
async fn a_job_the_job_will_not_run_is_a_function_error_named_for_catch() {
    let (store, processor, id) = setup(500).await;
    let err = jobs_processor::handle(&processor, json!({"id": id, "parameters": {"n": 500}}))
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
async fn malformed_task_input_is_refused() {
    let (_, processor, id) = setup(1).await;
    for bad in [
        json!({}),
        json!({"id": "not-an-id", "parameters": {"n": 1}}),
        json!({"parameters": {"n": 1}}),
        json!("just a string"),
    ] {
        let err = jobs_processor::handle(&processor, bad.clone())
            .await
            .unwrap_err();
        assert_eq!(err.error, "InvalidWorkflowInput", "{bad}");
    }
    let err = jobs_processor::handle(&processor, json!({"id": id, "parameters": {"n": "1"}}))
        .await
        .unwrap_err();
    assert_eq!(err.error, "InvalidJobParameters");
}

#[tokio::test]
async fn an_unknown_job_and_a_store_outage_are_reported() {
    let (store, processor, id) = setup(1).await;
    let err = jobs_processor::handle(
        &processor,
        json!({"id": JobId::random(), "parameters": {"n": 1}}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.error, "JobNotFound");
    store.fail_writes(true);
    let err = jobs_processor::handle(&processor, json!({"id": id, "parameters": {"n": 1}}))
        .await
        .unwrap_err();
    assert_eq!(err.error, "JobStoreUnavailable");
}
