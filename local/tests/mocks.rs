//! `--mocks`: a workflow with a step the stack does not run (here an SNS publish after the
//! job) runs end to end with the step answered from a mock file; without one, the step fails
//! saying what to add; a mock file that cannot serve stops the start.

mod common;

use std::path::{Path, PathBuf};

use common::{Api, QUICK};
use jobs_local::config::Mocks;
use jobs_local::testing::{notify_mocks, workflow_with_notify};
use serde_json::{json, Value};

fn mock_file(dir: &Path, doc: Value) -> PathBuf {
    let file = dir.join("bad-mocks.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    file
}

fn config(dir: &Path, mocks: Option<Mocks>) -> jobs_local::Config {
    let mut config = jobs_local::Config::ephemeral(dir.join("data"));
    config.workflow = Some(workflow_with_notify(dir).0);
    config.mocks = mocks;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mocked_step_runs_after_the_job_in_every_execution() {
    let dir = tempfile::tempdir().unwrap();
    let mocks = Mocks {
        file: workflow_with_notify(dir.path()).1,
        state_machine: None,
        test_case: None,
    };
    let stack = common::start_with(config(dir.path(), Some(mocks))).await;
    let api = Api::of(&stack);

    // The mocked response answers invocation 0 only: each execution counts its own.
    for _ in 0..2 {
        let id = api.submit_example().await;
        api.wait_for(&id, "Success", QUICK).await;
        let execution = api
            .wait_for_execution(&id, QUICK, |e| e["status"] == "SUCCEEDED")
            .await;
        assert_eq!(execution["output"]["notified"], json!({"MessageId": "m-1"}));
        assert_eq!(execution["output"]["id"], id.as_str());
        assert_eq!(execution["mockedStates"], json!(["Notify"]));
        // The context carries the workflow's role and no redrive; the started event the role.
        let role = jobs_local::runtime::WORKFLOW_ROLE_ARN;
        assert_eq!(
            execution["output"]["context"],
            json!({"role": role, "redrives": 0})
        );
        let started = &execution["events"][0];
        assert_eq!(started["type"], "ExecutionStarted");
        assert_eq!(
            started["executionStartedEventDetails"]["roleArn"], role,
            "{started}"
        );
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_mock_the_step_fails_naming_the_state_the_resource_and_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start_with(config(dir.path(), None)).await;
    let api = Api::of(&stack);

    let id = api.submit_example().await;
    // The job itself is done before the step that cannot run.
    api.wait_for(&id, "Success", QUICK).await;
    let execution = api
        .wait_for_execution(&id, QUICK, |e| e["status"] == "FAILED")
        .await;
    assert_eq!(execution["error"], "States.Runtime");
    // Nothing answered the step: it is not marked as mocked.
    assert!(execution.get("mockedStates").is_none(), "{execution}");
    let cause = execution["cause"].as_str().unwrap();
    assert!(
        cause.contains("arn:aws:states:::sns:publish")
            && cause.contains("\"Notify\"")
            && cause.contains("--mocks FILE"),
        "{cause}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_mock_file_that_cannot_serve_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let start_with = |doc: Value, test_case: Option<&str>| {
        let mocks = Mocks {
            file: mock_file(dir.path(), doc),
            state_machine: None,
            test_case: test_case.map(str::to_owned),
        };
        jobs_local::Stack::start(config(dir.path(), Some(mocks)))
    };
    let refused = |r: anyhow::Result<jobs_local::Stack>| match r {
        Ok(_) => panic!("the stack started with a mock file that cannot serve"),
        Err(e) => e.to_string(),
    };

    let e = refused(start_with(notify_mocks(), Some("Nope")).await);
    assert!(
        e.contains("mocks.json") && e.contains("no test case \"Nope\"") && e.contains("\"Notify\""),
        "{e}"
    );
    let e = refused(
        start_with(
            json!({"StateMachines": {}, "MockedResponses": {"R": {"1": {"Return": 1}}}}),
            None,
        )
        .await,
    );
    assert!(e.contains("mocks.json") && e.contains("from 0"), "{e}");
    // Refused before anything was written: not even the data directory.
    assert!(!dir.path().join("data").exists());
}
