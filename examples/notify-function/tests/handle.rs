//! The notify function over the in-memory store.

use chrono::Utc;
use jobs_domain::ports::JobStore;
use jobs_domain::testing::{MemoryStore, TestJob};
use jobs_domain::{Job, JobId, JobStatus};
use serde_json::json;

#[tokio::test]
async fn the_message_names_the_job_and_its_status() {
    let store = MemoryStore::default();
    let job = Job::queued(JobId::random(), TestJob::params(5), Utc::now());
    store.create(&job, None).await.unwrap();
    store.force_status(&job.id, JobStatus::Success);
    let out = jobs_notify_function::handle(&store, json!({"id": job.id, "parameters": {}}))
        .await
        .unwrap();
    assert_eq!(out["jobId"], json!(job.id));
    assert_eq!(out["status"], json!("Success"));
    assert_eq!(out["subject"], json!(format!("Job {}: Success", job.id)));
}

#[tokio::test]
async fn an_unknown_job_or_a_payload_without_id_fails_by_name() {
    let store = MemoryStore::default();
    let missing = jobs_notify_function::handle(&store, json!({"id": JobId::random()}))
        .await
        .unwrap_err();
    assert_eq!(missing.error, "JobNotFound");
    let bad = jobs_notify_function::handle(&store, json!({"parameters": {}}))
        .await
        .unwrap_err();
    assert_eq!(bad.error, "InvalidInput");
}
