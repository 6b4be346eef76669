//! The processor Lambda's handler, called with the task input the workflow
//! sends it (`Payload.$: "$"` of ProcessJob).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use jobs_domain::ports::JobStore;
use jobs_domain::testing::{FixedClock, MemoryStore};
use jobs_domain::workflow::Processor;
use jobs_domain::{Job, JobId, JobParameters, JobStatus};
use serde_json::json;

async fn setup(seconds: u64) -> (Arc<MemoryStore>, Processor, JobId) {
    let store = Arc::new(MemoryStore::default());
    let job = Job::queued(JobId::random(), JobParameters { seconds }, Utc::now());
    store.create(&job, None).await.unwrap();
    let processor = Processor::new(store.clone(), Arc::new(FixedClock::default()));
    (store, processor, job.id)
}

#[tokio::test(start_paused = true)]
async fn a_started_execution_runs_the_job_to_success() {
    let (store, processor, id) = setup(2).await;
    let before = tokio::time::Instant::now();
    let output =
        jobs_processor::handle(&processor, json!({"id": id, "parameters": {"seconds": 2}}))
            .await
            .unwrap();
    assert_eq!(before.elapsed(), Duration::from_secs(2));
    assert_eq!(
        output,
        json!({"id": id, "status": "Success", "results": {"message": "I slept for 2 seconds"}})
    );
    assert_eq!(
        store.get(&id).await.unwrap().unwrap().status,
        JobStatus::Success
    );
}

#[tokio::test(start_paused = true)]
async fn a_replayed_execution_runs_a_failed_job_again() {
    let (store, processor, id) = setup(1).await;
    store.force_status(&id, JobStatus::Failure);
    let plain =
        jobs_processor::handle(&processor, json!({"id": id, "parameters": {"seconds": 1}})).await;
    assert_eq!(plain.unwrap_err().error, "StaleExecution");
    // The replay rule's input transformer output, with the archive's extra fields.
    let output = jobs_processor::handle(
        &processor,
        json!({"id": id, "parameters": {"seconds": 1}, "replay": {"name": "replay-2026-11-25"}}),
    )
    .await
    .unwrap();
    assert_eq!(output["status"], "Success");
}

#[tokio::test]
async fn too_many_seconds_is_a_function_error_named_for_catch() {
    let (store, processor, id) = setup(500).await;
    let err = jobs_processor::handle(
        &processor,
        json!({"id": id, "parameters": {"seconds": 500}}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.error, "JobTooLong");
    assert!(
        err.message.contains("at most 180 seconds"),
        "{}",
        err.message
    );
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
        json!({"id": "not-an-id", "parameters": {"seconds": 1}}),
        json!({"parameters": {"seconds": 1}}),
        json!("just a string"),
    ] {
        let err = jobs_processor::handle(&processor, bad.clone())
            .await
            .unwrap_err();
        assert_eq!(err.error, "InvalidWorkflowInput", "{bad}");
    }
    let err = jobs_processor::handle(
        &processor,
        json!({"id": id, "parameters": {"seconds": "1"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.error, "InvalidJobParameters");
}

#[tokio::test]
async fn an_unknown_job_and_a_store_outage_are_reported() {
    let (store, processor, id) = setup(1).await;
    let err = jobs_processor::handle(
        &processor,
        json!({"id": JobId::random(), "parameters": {"seconds": 1}}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.error, "JobNotFound");
    store.fail_writes(true);
    let err = jobs_processor::handle(&processor, json!({"id": id, "parameters": {"seconds": 1}}))
        .await
        .unwrap_err();
    assert_eq!(err.error, "JobStoreUnavailable");
}
