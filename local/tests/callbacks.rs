//! `/local/tasks/*` on the whole local stack: a token the stack's executions wait on is
//! completed there, with the errors SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat
//! give.

mod common;

use jobs_asl::{Callbacks, Signal, TokenOwner};
use jobs_wire as wire;

use common::Api;
use http::{Method, StatusCode};
use serde_json::json;

fn owner() -> TokenOwner {
    TokenOwner {
        execution_arn: "arn:aws:states:us-east-1:000000000000:execution:jobs-workflow:x".into(),
        state_name: "Approve".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_completed_once_and_bad_requests_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    // The registry the stack's executors wait on, as a callback task opens its token.
    let mut waiting = stack.runtime.callbacks().open("token-1", &owner());
    let post = |path: &'static str, body: serde_json::Value| {
        let api = api.clone();
        async move {
            api.call(Method::POST, path, Some(&body.to_string()), &[])
                .await
        }
    };

    let r = post(wire::local::TASK_HEARTBEAT, json!({"taskToken": "nope"})).await;
    common::assert_refused(&r, "InvalidToken");

    let r = post(
        wire::local::TASK_SUCCESS,
        json!({"taskToken": "token-1", "output": "{not json"}),
    )
    .await;
    common::assert_refused(&r, "InvalidOutput");

    let r = post(wire::local::TASK_SUCCESS, json!({"output": "{}"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["message"].as_str().unwrap().contains("taskToken"),
        "{}",
        r.body
    );
    // None of the refused requests reached the task.
    assert!(waiting.try_recv().is_err());

    let r = post(wire::local::TASK_HEARTBEAT, json!({"taskToken": "token-1"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = post(
        wire::local::TASK_SUCCESS,
        json!({"taskToken": "token-1", "output": "{\"approved\": true}"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(waiting.try_recv().unwrap(), Signal::Heartbeat);
    assert_eq!(
        waiting.try_recv().unwrap(),
        Signal::Success(json!({"approved": true}))
    );

    // Completed once: a second answer finds the task over.
    let r = post(
        wire::local::TASK_FAILURE,
        json!({"taskToken": "token-1", "error": "Rejected", "cause": "late"}),
    )
    .await;
    common::assert_refused(&r, "TaskTimedOut");

    let mut other = stack.runtime.callbacks().open("token-2", &owner());
    let r = post(
        wire::local::TASK_FAILURE,
        json!({"taskToken": "token-2", "error": "Rejected", "cause": "no"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        other.try_recv().unwrap(),
        Signal::Failure {
            error: "Rejected".into(),
            cause: "no".into()
        }
    );
    stack.stop().await;
}

/// A human-approval step (an SNS publish that hands on its task token, answered by the mock
/// file) waits in the running stack, on STANDARD, until `/local/tasks/success` completes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_step_waits_for_its_token_and_completes_the_execution() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start_with(common::approval_config(dir.path())).await;
    let api = Api::of(&stack);

    let id = api.submit_example().await;
    let execution = api
        .wait_for_execution(&id, common::QUICK, |e| common::approval_token(e).is_some())
        .await;
    let token = common::approval_token(&execution).unwrap();
    let r = api
        .call(
            Method::POST,
            wire::local::TASK_SUCCESS,
            Some(&json!({"taskToken": token, "output": r#"{"approved": true}"#}).to_string()),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = api
        .wait_for_execution(&id, common::QUICK, |e| e["status"] == "SUCCEEDED")
        .await;
    // The callback's output, not the mock's answer to the publish ({"MessageId": ...}).
    assert_eq!(done["output"]["approval"], json!({"approved": true}));
    assert_eq!(done["mockedStates"], json!(["Approve", "Publish"]));
    // The Lambda step of its own ran in-process, over the job store.
    assert_eq!(done["output"]["notification"]["status"], json!("Success"));
    stack.stop().await;
}
