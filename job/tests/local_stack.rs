//! The sample job on the whole local stack: what only this job does. A job
//! asking for more than the time limit takes the failure path with
//! `JobTooLong`, in both renderings of the workflow, and reaches the archive
//! when the error handler cannot record it. (What every job does is tested
//! in the local stack's own suites, with the job's example.)

#[path = "../../local/tests/common/mod.rs"]
mod common;

use common::{Api, QUICK};
use http::Method;
use jobs_wire as wire;
use serde_json::json;

async fn too_long_fails_and_is_archived(config: jobs_local::Config) {
    let stack = common::start_with(config).await;
    let api = Api::of(&stack);

    let ok = api.submit(&json!({"seconds": 1})).await;
    let job = api.wait_for(&ok, "Success", QUICK).await;
    assert_eq!(job["results"], json!({"message": "I slept for 1 seconds"}));

    let too_long = api.submit(&json!({"seconds": 1000})).await;
    let job = api.wait_for(&too_long, "Failure", QUICK).await;
    assert_eq!(job["error"]["error"], "JobTooLong");
    assert!(job["error"]["cause"].as_str().unwrap().contains("180"));
    let execution = api
        .wait_for_execution(&too_long, QUICK, |e| e["status"] == "FAILED")
        .await;
    assert_eq!(execution["error"], "JobFailed");

    api.call(
        Method::PUT,
        wire::local::FAULTS,
        Some(r#"{"errorHandlerStoreWrites": "fail"}"#),
        &[],
    )
    .await;
    let archived = api.submit(&json!({"seconds": 1000})).await;
    api.wait_for_execution(&archived, QUICK, |e| e["error"] == "JobArchived")
        .await;
    let archive = api.call(Method::GET, wire::local::ARCHIVE, None, &[]).await;
    let detail = &archive.body["events"][0]["detail"];
    assert_eq!(detail["id"], archived.as_str());
    assert_eq!(detail["parameters"], json!({"seconds": 1000}));
    assert_eq!(detail["processorError"]["Error"], "JobTooLong");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_too_long_takes_the_failure_path() {
    let dir = tempfile::tempdir().unwrap();
    too_long_fails_and_is_archived(jobs_local::Config::ephemeral(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_too_long_takes_the_failure_path_of_the_jsonata_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = jobs_local::Config::ephemeral(dir.path().to_path_buf());
    config.workflow = Some(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../statemachine/jobs.jsonata.asl.json"),
    );
    too_long_fails_and_is_archived(config).await;
}
