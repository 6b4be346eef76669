//! An execution's life as a whole: abort, the machine's timeout, resume, and the history as
//! it is serialized and streamed.

mod support;

use jobs_asl::{
    AbortHandle, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor, StateMachine,
};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use support::{types, Outcome, Scripted};

const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:Demo:exec-1";

async fn run(def: Value, input: Value) -> ExecutionResult {
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    Executor::new(m, Arc::new(Scripted::new()))
        .run(ExecutionSpec::new("exec-1", ARN, input).with_history())
        .await
}

#[tokio::test(start_paused = true)]
async fn abort_stops_a_running_execution() {
    let def =
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    let ex = Arc::new(Executor::new(m, Arc::new(Scripted::new())));
    let abort = AbortHandle::new();
    let run = tokio::spawn({
        let ex = ex.clone();
        let abort = abort.clone();
        async move {
            ex.run(
                ExecutionSpec::new("e", ARN, json!({}))
                    .with_history()
                    .with_abort(abort),
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_secs(10)).await;
    abort.abort_with("Stopped", "by the operator");
    let r = run.await.unwrap();
    assert_eq!(r.status, ExecutionStatus::Aborted);
    assert_eq!(r.error.as_deref(), Some("Stopped"));
    assert_eq!(
        types(&r.history),
        ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]
    );
}

#[tokio::test(start_paused = true)]
async fn machine_timeout_times_out_the_execution() {
    let def = json!({"StartAt": "W", "TimeoutSeconds": 5, "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let r = run(def, json!({})).await;
    assert_eq!(r.status, ExecutionStatus::TimedOut);
    assert_eq!(r.error.as_deref(), Some("States.Timeout"));
    assert_eq!(r.status.as_str(), "TIMED_OUT");
}

#[tokio::test]
async fn resume_at_an_unknown_state_fails() {
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    let r = Executor::new(m, Arc::new(Scripted::new()))
        .run(
            ExecutionSpec::new("e", ARN, json!({})).with_resume(jobs_asl::Resume {
                state: "Nope".into(),
                ..Default::default()
            }),
        )
        .await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert!(r.cause.unwrap().contains("Nope"));
}

#[tokio::test]
async fn history_serializes_like_get_execution_history() {
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
        "Parameters": {"Entries": []}, "End": true}}});
    let r = run(def, json!({"a": 1})).await;
    let v = serde_json::to_value(&r.history).unwrap();
    assert_eq!(v[0]["type"], "ExecutionStarted");
    assert_eq!(v[0]["executionStartedEventDetails"]["input"], "{\"a\":1}");
    assert_eq!(v[2]["type"], "TaskScheduled");
    assert_eq!(v[2]["taskScheduledEventDetails"]["resourceType"], "events");
    assert_eq!(v[2]["taskScheduledEventDetails"]["resource"], "putEvents");
    assert_eq!(
        v[2]["taskScheduledEventDetails"]["parameters"],
        "{\"Entries\":[]}"
    );
    assert_eq!(
        v[4]["taskSucceededEventDetails"]["output"],
        "{\"Entries\":[]}"
    );
    assert!(v[1]["timestamp"].as_f64().unwrap() > 1.7e9);
    assert_eq!(v[6]["type"], "ExecutionSucceeded");
    assert_eq!(v[6]["previousEventId"], 6);
}

#[tokio::test(start_paused = true)]
async fn the_sink_sees_events_while_the_execution_runs() {
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"}, "End": true}}});
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    let h = Scripted::new().on(
        "f",
        vec![Outcome::After(
            Duration::from_secs(30),
            Box::new(Outcome::Ok(json!(1))),
        )],
    );
    let ex = Arc::new(Executor::new(m, Arc::new(h)));
    let sink = Arc::new(support::Collect::default());
    let run = tokio::spawn({
        let (ex, sink) = (ex.clone(), sink.clone());
        async move {
            ex.run(ExecutionSpec::new("e", ARN, json!({})).with_sink(sink))
                .await
        }
    });
    tokio::time::sleep(Duration::from_secs(10)).await;
    let seen: Vec<String> = sink
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, e)| format!("{:?}", e.event_type))
        .collect();
    assert_eq!(
        seen,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted"
        ]
    );
    let r = run.await.unwrap();
    assert_eq!(r.status, ExecutionStatus::Succeeded);
    assert!(
        r.history.is_empty(),
        "a sink alone does not collect the history"
    );
    assert_eq!(sink.0.lock().unwrap().len(), 7);
}

/// A definition that loops for ever ends as AWS ends it: at 25,000 history events.
#[tokio::test]
async fn an_endless_loop_fails_at_the_history_limit() {
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": false, "Next": "A"}], "Default": "A"}
    }});
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    let r = Executor::new(m, Arc::new(Scripted::new()))
        .run(ExecutionSpec::new("e", ARN, json!({})))
        .await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert!(
        r.cause.unwrap().contains("25000"),
        "the cause names the limit"
    );
}
