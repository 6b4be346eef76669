//! Callback tasks (`.waitForTaskToken`): the task waits for its token to be completed,
//! under its heartbeat and its timeout, on the paused clock.

use async_trait::async_trait;
use jobs_asl::{
    CallbackError, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor, MemoryCallbacks,
    StateMachine, TaskContext, TaskError, TaskHandler,
};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:Demo:exec-1";
const RESOURCE: &str = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";

/// Hands the token it is given to the test, as a queue would hand it to a worker; the
/// resource's own answer is what the task would return without a callback.
struct Hand(mpsc::UnboundedSender<String>);

#[async_trait]
impl TaskHandler for Hand {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        let token = input["token"].as_str().expect("a token").to_owned();
        self.0.send(token).unwrap();
        Ok(json!({"MessageId": "m-1"}))
    }
}

struct Running {
    callbacks: Arc<MemoryCallbacks>,
    tokens: mpsc::UnboundedReceiver<String>,
    run: JoinHandle<ExecutionResult>,
}

fn start(task: Value, input: Value) -> Running {
    let mut task = task;
    task["Type"] = json!("Task");
    task["Resource"] = json!(RESOURCE);
    task["Parameters"] = json!({"token.$": "$$.Task.Token"});
    task["End"] = json!(true);
    let def = json!({"StartAt": "Approve", "States": {"Approve": task}});
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    let (tx, tokens) = mpsc::unbounded_channel();
    let callbacks = Arc::new(MemoryCallbacks::new());
    let ex = Executor::new(m, Arc::new(Hand(tx))).with_callbacks(callbacks.clone());
    let run = tokio::spawn(async move {
        ex.run(ExecutionSpec::new("exec-1", ARN, input).with_history())
            .await
    });
    Running {
        callbacks,
        tokens,
        run,
    }
}

fn last_task_event(r: &ExecutionResult) -> String {
    r.history
        .iter()
        .map(|e| format!("{:?}", e.event_type))
        .rfind(|t| t.starts_with("Task") && !t.starts_with("TaskState"))
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn success_output_is_the_task_result() {
    let mut r = start(json!({}), json!({}));
    let token = r.tokens.recv().await.unwrap();
    // The task waits: an hour later it is still running.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(!r.run.is_finished());
    r.callbacks
        .success(&token, r#"{"approved": true}"#)
        .unwrap();
    let res = r.run.await.unwrap();
    assert_eq!(res.status, ExecutionStatus::Succeeded);
    assert_eq!(res.output, Some(json!({"approved": true})));
    assert_eq!(last_task_event(&res), "TaskSucceeded");
    // The token is spent.
    assert_eq!(
        r.callbacks.success(&token, "{}"),
        Err(CallbackError::TaskTimedOut)
    );
}

#[tokio::test(start_paused = true)]
async fn failure_fails_the_task_with_its_error_and_cause() {
    let mut r = start(json!({}), json!({}));
    let token = r.tokens.recv().await.unwrap();
    r.callbacks
        .failure(&token, "Rejected", "the reviewer said no")
        .unwrap();
    let res = r.run.await.unwrap();
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert_eq!(res.error.as_deref(), Some("Rejected"));
    assert_eq!(res.cause.as_deref(), Some("the reviewer said no"));
    assert_eq!(last_task_event(&res), "TaskFailed");
}

#[tokio::test(start_paused = true)]
async fn heartbeats_keep_the_task_alive_until_one_is_missed() {
    let mut r = start(json!({"HeartbeatSeconds": 10}), json!({}));
    let token = r.tokens.recv().await.unwrap();
    let t0 = Instant::now();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(8)).await;
        r.callbacks.heartbeat(&token).unwrap();
    }
    let res = r.run.await.unwrap();
    // The last heartbeat came at 24 s; the next was due by 34 s.
    assert_eq!(t0.elapsed(), Duration::from_secs(34));
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert_eq!(res.error.as_deref(), Some("States.HeartbeatTimeout"));
    assert_eq!(last_task_event(&res), "TaskTimedOut");
    assert_eq!(
        r.callbacks.heartbeat(&token),
        Err(CallbackError::TaskTimedOut)
    );
}

#[tokio::test(start_paused = true)]
async fn heartbeat_seconds_path_reads_the_input() {
    let mut r = start(
        json!({"HeartbeatSecondsPath": "$.beat"}),
        json!({"beat": 5}),
    );
    let _token = r.tokens.recv().await.unwrap();
    let t0 = Instant::now();
    let res = r.run.await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(5));
    assert_eq!(res.error.as_deref(), Some("States.HeartbeatTimeout"));
}

#[tokio::test(start_paused = true)]
async fn timeout_ends_the_wait_despite_heartbeats() {
    let mut r = start(
        json!({"TimeoutSecondsPath": "$.limit", "HeartbeatSeconds": 10}),
        json!({"limit": 30}),
    );
    let token = r.tokens.recv().await.unwrap();
    let t0 = Instant::now();
    let beats = {
        let cb = r.callbacks.clone();
        let token = token.clone();
        tokio::spawn(async move {
            while cb.heartbeat(&token).is_ok() {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        })
    };
    let res = r.run.await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(30));
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert_eq!(res.error.as_deref(), Some("States.Timeout"));
    assert_eq!(last_task_event(&res), "TaskTimedOut");
    // The timed-out token refuses the heartbeats that follow, which stops them.
    beats.await.unwrap();
    assert_eq!(
        r.callbacks.success(&token, "{}"),
        Err(CallbackError::TaskTimedOut)
    );
}

#[tokio::test(start_paused = true)]
async fn a_retrier_on_states_timeout_takes_a_missed_heartbeat() {
    let mut r = start(
        json!({"HeartbeatSeconds": 5,
               "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1, "IntervalSeconds": 1}]}),
        json!({}),
    );
    let first = r.tokens.recv().await.unwrap();
    // The retry gets a token of its own; the first one is closed.
    let second = r.tokens.recv().await.unwrap();
    assert_ne!(first, second);
    assert_eq!(
        r.callbacks.heartbeat(&first),
        Err(CallbackError::TaskTimedOut)
    );
    r.callbacks.success(&second, "\"done\"").unwrap();
    let res = r.run.await.unwrap();
    assert_eq!(res.output, Some(json!("done")));
}

#[tokio::test]
async fn unknown_tokens_and_bad_output_are_refused() {
    let mut r = start(json!({}), json!({}));
    let token = r.tokens.recv().await.unwrap();
    assert_eq!(
        r.callbacks.success("not-a-token", "{}"),
        Err(CallbackError::InvalidToken)
    );
    assert_eq!(
        r.callbacks.success(&token, "{oops"),
        Err(CallbackError::InvalidOutput)
    );
    // A refused completion changes nothing: the task still waits for a good one.
    assert!(!r.run.is_finished());
    r.callbacks.success(&token, "[1]").unwrap();
    assert_eq!(r.run.await.unwrap().output, Some(json!([1])));
}
