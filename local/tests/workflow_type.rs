//! The local stack runs as the deployed workflow type and refuses at start
//! what AWS refuses for it: on EXPRESS, a task that waits for a token and a
//! workflow timeout past the Express window; on STANDARD, both run.

use jobs_asl::WorkflowType;
use jobs_local::{Config, Stack};

/// A workflow whose one task waits for a task token.
const WAITS_FOR_TOKEN: &str = r#"{
  "StartAt": "Approve",
  "TimeoutSeconds": 120,
  "States": {
    "Approve": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/000000000000/q", "MessageBody.$": "$$.Task.Token"},
      "End": true
    }
  }
}"#;

/// The project's workflow, with TimeoutSeconds set to `seconds`.
fn jobs_workflow_lasting(seconds: u64) -> String {
    let text = include_str!("../../statemachine/jobs.asl.json");
    let mut definition: serde_json::Value = serde_json::from_str(text).unwrap();
    definition["TimeoutSeconds"] = seconds.into();
    serde_json::to_string_pretty(&definition).unwrap()
}

async fn start(definition: &str, kind: WorkflowType) -> (tempfile::TempDir, anyhow::Result<Stack>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("workflow.asl.json");
    std::fs::write(&file, definition).unwrap();
    let mut config = Config::ephemeral(dir.path().join("data"));
    config.workflow = Some(file);
    config.workflow_type = kind;
    let started = Stack::start(config).await;
    (dir, started)
}

fn refusal(started: anyhow::Result<Stack>) -> String {
    match started {
        Ok(_) => panic!("the stack started with a workflow its type refuses"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test]
async fn a_task_token_wait_is_refused_on_express_and_loaded_on_standard() {
    let (_dir, express) = start(WAITS_FOR_TOKEN, WorkflowType::Express).await;
    let e = refusal(express);
    assert!(
        e.contains("the workflow ") && e.contains("cannot run as EXPRESS:"),
        "{e}"
    );
    assert!(
        e.contains("state Approve: Resource arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
        "{e}"
    );
    assert!(e.contains("--workflow-type STANDARD"), "{e}");
    assert!(!e.contains("LIMITS.time"), "not a timeout: {e}");

    let (_dir, standard) = start(WAITS_FOR_TOKEN, WorkflowType::Standard).await;
    let stack = standard.expect("a STANDARD stack loads a task-token wait");
    stack.stop().await;
}

#[tokio::test]
async fn a_timeout_past_the_express_window_is_refused_on_express_and_runs_on_standard() {
    let (_dir, express) = start(&jobs_workflow_lasting(300), WorkflowType::Express).await;
    let e = refusal(express);
    assert!(
        e.contains("the workflow may run 300 s (TimeoutSeconds)"),
        "{e}"
    );
    assert!(e.contains("stopped at 300 s"), "{e}");
    assert!(e.contains("--workflow-type STANDARD"), "{e}");
    assert!(
        e.contains("LIMITS.time in job/src/lib.rs") && e.contains("jobs generate"),
        "{e}"
    );

    let (_dir, express) = start(&jobs_workflow_lasting(299), WorkflowType::Express).await;
    express.expect("299 s fits the Express window").stop().await;

    let (_dir, standard) = start(&jobs_workflow_lasting(3_600), WorkflowType::Standard).await;
    standard
        .expect("an hour fits a STANDARD workflow")
        .stop()
        .await;
}
