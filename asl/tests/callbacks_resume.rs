//! A callback task's wait across a restart, its TaskSubmitted event, and the `Credentials`
//! a Task records.

use async_trait::async_trait;
use jobs_asl::{
    EventType, ExecutionSpec, ExecutionStatus, Executor, HistoryEvent, HistorySink,
    MemoryCallbacks, Resume, ResumedWait, StateMachine, TaskContext, TaskError, TaskHandler,
    WaitingTask,
};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:Demo:exec-1";

/// Hands each token on, as a queue would, and counts its calls.
struct Hand {
    tokens: mpsc::UnboundedSender<String>,
    calls: AtomicUsize,
}

#[async_trait]
impl TaskHandler for Hand {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(t) = input["token"].as_str() {
            self.tokens.send(t.to_owned()).unwrap();
        }
        Ok(json!({"MessageId": "m-1"}))
    }
}

/// The events an execution records, as a store keeps them while it runs.
#[derive(Default)]
struct Kept(Mutex<Vec<HistoryEvent>>);

impl HistorySink for Kept {
    fn record(&self, _: &str, event: &HistoryEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Kept {
    fn types(&self) -> Vec<EventType> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.event_type)
            .collect()
    }
}

fn approval(timeout: Option<u64>) -> Arc<StateMachine> {
    let mut approve = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"token.$": "$$.Task.Token"},
        "Next": "Done"
    });
    if let Some(t) = timeout {
        approve["TimeoutSeconds"] = json!(t);
    }
    let def = json!({
        "StartAt": "Approve",
        "States": {"Approve": approve, "Done": {"Type": "Pass", "End": true}}
    });
    Arc::new(StateMachine::from_value(&def).unwrap())
}

struct Process {
    executor: Executor,
    callbacks: Arc<MemoryCallbacks>,
    hand: Arc<Hand>,
    tokens: mpsc::UnboundedReceiver<String>,
}

/// One process: its own executor, handler and token registry.
fn process(m: &Arc<StateMachine>) -> Process {
    let (tx, tokens) = mpsc::unbounded_channel();
    let hand = Arc::new(Hand {
        tokens: tx,
        calls: AtomicUsize::new(0),
    });
    let callbacks = Arc::new(MemoryCallbacks::new());
    let executor = Executor::new(m.clone(), hand.clone()).with_callbacks(callbacks.clone());
    Process {
        executor,
        callbacks,
        hand,
        tokens,
    }
}

/// Runs until the task waits, then stops the process; returns the token and the history.
async fn wait_then_stop(m: &Arc<StateMachine>) -> (String, Arc<Kept>) {
    let mut first = process(m);
    let kept = Arc::new(Kept::default());
    let spec = ExecutionSpec::new("exec-1", ARN, json!({})).with_sink(kept.clone());
    let run = tokio::spawn(async move { first.executor.run(spec).await });
    let token = first.tokens.recv().await.unwrap();
    // TaskSubmitted follows the call, and the task is listed as waiting.
    while !kept.types().contains(&EventType::TaskSubmitted) {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        first.callbacks.waiting(ARN),
        vec![WaitingTask {
            token: token.clone(),
            state_name: "Approve".into()
        }]
    );
    assert!(first.callbacks.waiting("arn:other").is_empty());
    run.abort();
    let _ = run.await;
    (token, kept)
}

fn resume_of(kept: &Kept, token: &str, elapsed: Duration) -> Resume {
    let events = kept.0.lock().unwrap();
    Resume {
        state: "Approve".into(),
        input: json!({}),
        after_event_id: events.last().unwrap().id,
        wait: Some(ResumedWait {
            token: token.to_owned(),
            elapsed,
        }),
        map_run_arn: None,
    }
}

#[tokio::test(start_paused = true)]
async fn a_resumed_wait_takes_the_same_token_without_calling_again() {
    let m = approval(None);
    let (token, kept) = wait_then_stop(&m).await;
    assert_eq!(
        kept.types(),
        [
            EventType::ExecutionStarted,
            EventType::TaskStateEntered,
            EventType::TaskScheduled,
            EventType::TaskStarted,
            EventType::TaskSubmitted,
        ]
    );
    let submitted = kept.0.lock().unwrap()[4].clone();
    let details = submitted.task_submitted_event_details.unwrap();
    assert_eq!(details.output.as_deref(), Some(r#"{"MessageId":"m-1"}"#));
    assert_eq!(details.resource, "sendMessage.waitForTaskToken");

    // The next process: a fresh registry, resumed on the recorded token.
    let second = process(&m);
    let resumed = Arc::new(Kept::default());
    let spec = ExecutionSpec::new("exec-1", ARN, json!({}))
        .with_sink(resumed.clone())
        .with_resume(resume_of(&kept, &token, Duration::from_secs(30)));
    let callbacks = second.callbacks.clone();
    let run = tokio::spawn(async move { second.executor.run(spec).await });
    while callbacks.waiting(ARN).is_empty() {
        tokio::task::yield_now().await;
    }
    callbacks.success(&token, r#"{"approved": true}"#).unwrap();
    let res = run.await.unwrap();
    assert_eq!(res.status, ExecutionStatus::Succeeded);
    assert_eq!(res.output, Some(json!({"approved": true})));
    assert_eq!(second.hand.calls.load(Ordering::SeqCst), 0);
    // Nothing is entered, scheduled or submitted twice; ids go on from the first run's.
    let events = resumed.0.lock().unwrap().clone();
    assert_eq!(events[0].event_type, EventType::TaskSucceeded);
    assert_eq!(events[0].id, 6);
    assert_eq!(events[0].previous_event_id, 5);
    assert_eq!(
        resumed.types()[1..],
        [
            EventType::TaskStateExited,
            EventType::PassStateEntered,
            EventType::PassStateExited,
            EventType::ExecutionSucceeded,
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_resumed_wait_times_out_when_its_first_run_would_have() {
    let m = approval(Some(60));
    let (token, kept) = wait_then_stop(&m).await;
    let second = process(&m);
    let spec = ExecutionSpec::new("exec-1", ARN, json!({})).with_resume(resume_of(
        &kept,
        &token,
        Duration::from_secs(50),
    ));
    let t0 = tokio::time::Instant::now();
    let res = second.executor.run(spec).await;
    assert_eq!(t0.elapsed(), Duration::from_secs(10));
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert_eq!(res.error.as_deref(), Some("States.Timeout"));
}

/// The TaskScheduled event of a one-task execution whose Task has `credentials`.
async fn scheduled_with(credentials: Value, ql: &str, input: Value) -> Result<Value, String> {
    let def = json!({
        "QueryLanguage": ql,
        "StartAt": "Call",
        "States": {"Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Credentials": credentials,
            "End": true
        }}
    });
    let m = Arc::new(StateMachine::from_value(&def).map_err(|e| e.to_string())?);
    let p = process(&m);
    let res = p
        .executor
        .run(ExecutionSpec::new("exec-1", ARN, input).with_history())
        .await;
    if res.status != ExecutionStatus::Succeeded {
        return Err(format!("{:?}: {:?}", res.error, res.cause));
    }
    let e = res
        .history
        .iter()
        .find(|e| e.event_type == EventType::TaskScheduled)
        .unwrap();
    Ok(serde_json::to_value(e.task_scheduled_event_details.as_ref().unwrap()).unwrap())
}

#[tokio::test]
async fn credentials_are_recorded_as_task_credentials() {
    let role = "arn:aws:iam::123456789012:role/Other";
    let fixed = scheduled_with(json!({"RoleArn": role}), "JSONPath", json!({}))
        .await
        .unwrap();
    assert_eq!(fixed["taskCredentials"], json!({"roleArn": role}));
    let path = scheduled_with(
        json!({"RoleArn.$": "$.role"}),
        "JSONPath",
        json!({"role": role}),
    )
    .await
    .unwrap();
    assert_eq!(path["taskCredentials"]["roleArn"], json!(role));
    let jsonata = scheduled_with(
        json!({"RoleArn": "{% $states.input.role %}"}),
        "JSONata",
        json!({"role": role}),
    )
    .await
    .unwrap();
    assert_eq!(jsonata["taskCredentials"]["roleArn"], json!(role));
}

#[tokio::test]
async fn credentials_without_a_role_are_refused() {
    let shape = scheduled_with(json!({"Role": "x"}), "JSONPath", json!({}))
        .await
        .unwrap_err();
    assert!(shape.contains("Credentials"), "{shape}");
    assert!(shape.contains("RoleArn"), "{shape}");
    let missing = scheduled_with(json!({"RoleArn.$": "$.role"}), "JSONPath", json!({}))
        .await
        .unwrap_err();
    assert!(missing.contains("States.Runtime"), "{missing}");
}
