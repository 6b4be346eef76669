//! A stack restarted while a callback task waits: the execution waits again on the token its
//! approver holds, nothing is called twice, and tokens that ended stay ended.

mod common;

use jobs_wire as wire;

use common::Api;
use http::{Method, StatusCode};
use serde_json::{json, Value};

async fn answer(api: &Api, path: &'static str, body: Value) -> common::Reply {
    api.call(Method::POST, path, Some(&body.to_string()), &[])
        .await
}

fn count(execution: &Value, event_type: &str) -> usize {
    execution["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == event_type)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_approval_survives_a_restart_on_the_same_token() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start_with(common::approval_config(dir.path())).await;
    let api = Api::of(&stack);
    let waiting = api.submit_example().await;
    let done_early = api.submit_example().await;
    let submitted = |e: &Value| count(e, "TaskSubmitted") == 1;
    let before = api
        .wait_for_execution(&waiting, common::QUICK, submitted)
        .await;
    let token = common::approval_token(&before).unwrap();
    let early = api
        .wait_for_execution(&done_early, common::QUICK, submitted)
        .await;
    let early_token = common::approval_token(&early).unwrap();
    let r = answer(
        &api,
        wire::local::TASK_SUCCESS,
        json!({"taskToken": early_token, "output": "{}"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    api.wait_for_execution(&done_early, common::QUICK, |e| e["status"] == "SUCCEEDED")
        .await;
    let arn = before["executionArn"].as_str().unwrap().to_owned();
    assert_eq!(stack.runtime.callbacks().waiting(&arn).len(), 1);
    stack.stop().await;

    let stack = common::start_with(common::approval_config(dir.path())).await;
    assert_eq!(stack.recovery.executions_resumed, 1);
    let api = Api::of(&stack);
    // Waiting again, on the token handed out before the restart: the resumed execution runs
    // on its own task, which registers its wait soon after the start returns.
    let mut waiting_now = stack.runtime.callbacks().waiting(&arn);
    for _ in 0..500 {
        if !waiting_now.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waiting_now = stack.runtime.callbacks().waiting(&arn);
    }
    assert_eq!(waiting_now.len(), 1, "{waiting_now:?}");
    assert_eq!(waiting_now[0].token, token);
    assert_eq!(waiting_now[0].state_name, "Approve");
    // A token whose task ended before the restart is spent, not unknown.
    let r = answer(
        &api,
        wire::local::TASK_HEARTBEAT,
        json!({"taskToken": early_token}),
    )
    .await;
    common::assert_refused(&r, "TaskTimedOut");

    let r = answer(
        &api,
        wire::local::TASK_SUCCESS,
        json!({"taskToken": token, "output": r#"{"approved": true}"#}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = api
        .wait_for_execution(&waiting, common::QUICK, |e| e["status"] == "SUCCEEDED")
        .await;
    assert_eq!(done["output"]["approval"], json!({"approved": true}));
    // The publish ran once: the wait was resumed, not the step.
    assert_eq!(count(&done, "TaskSubmitted"), 1);
    assert_eq!(
        count(&done, "TaskStateEntered"),
        count(&before, "TaskStateEntered")
    );
    let ids: Vec<u64> = done["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    stack.stop().await;
}
