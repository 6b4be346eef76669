//! The 256 KiB a state's data may take, beyond a task's result (tested with the documented
//! fixtures): a state's input after Parameters or Arguments, a Parallel's or Map's result,
//! and every state's output fail with `States.DataLimitExceeded`.

mod support;

use jobs_asl::{ExecutionSpec, ExecutionStatus, Executor, StateMachine};
use serde_json::{json, Value};
use std::sync::Arc;
use support::{Outcome, Scripted};

const LIMIT: usize = 256 * 1024;

async fn run(def: Value, input: Value, tasks: Arc<Scripted>) -> jobs_asl::ExecutionResult {
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    Executor::new(m, tasks)
        .run(ExecutionSpec::new(
            "e",
            "arn:aws:states:r:1:execution:m:e",
            input,
        ))
        .await
}

fn over_by(r: &jobs_asl::ExecutionResult, cause: &str) {
    assert_eq!(r.status, ExecutionStatus::Failed, "{r:?}");
    assert_eq!(
        r.error.as_deref(),
        Some("States.DataLimitExceeded"),
        "{r:?}"
    );
    assert_eq!(r.cause.as_deref(), Some(cause), "{r:?}");
}

/// A string that makes `{"s": ...}` `bytes` long.
fn text(bytes: usize) -> String {
    "x".repeat(bytes - r#"{"s":""}"#.len())
}

#[tokio::test]
async fn a_state_output_at_the_limit_passes_and_one_byte_more_fails() {
    let def = json!({"StartAt": "Grow", "States": {
        "Grow": {"Type": "Pass", "Parameters": {"s.$": "$.s"}, "End": true}
    }});
    let at = run(def.clone(), json!({"s": text(LIMIT)}), Arc::default()).await;
    assert_eq!(at.status, ExecutionStatus::Succeeded, "{:?}", at.error);

    // The Pass state's input is under the limit; what Parameters and ResultPath make is over.
    let def = json!({"StartAt": "Grow", "States": {
        "Grow": {"Type": "Pass", "Parameters": {"s.$": "$.s"}, "ResultPath": "$.copy", "End": true}
    }});
    let r = run(def, json!({"s": text(LIMIT / 2 + 8)}), Arc::default()).await;
    over_by(
        &r,
        "The state/task 'Grow' returned a result with a size exceeding the maximum number of \
         bytes service limit.",
    );
}

#[tokio::test]
async fn a_task_whose_parameters_make_too_much_input_is_not_called() {
    let tasks = Arc::new(Scripted::new());
    let def = json!({"StartAt": "Call", "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:r:1:function:f",
            "Parameters": {"a.$": "$.s", "b.$": "$.s"},
            "End": true
        }
    }});
    let r = run(def, json!({"s": text(LIMIT / 2 + 8)}), tasks.clone()).await;
    over_by(
        &r,
        "The input of the state 'Call' after Parameters is more than the maximum number of bytes \
         service limit (262144 bytes).",
    );
    assert!(tasks.calls_to("arn:aws:lambda:r:1:function:f").is_empty());

    // The same in JSONata, after Arguments.
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Call", "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:r:1:function:f",
            "Arguments": {"a": "{% $states.input.s %}", "b": "{% $states.input.s %}"},
            "End": true
        }
    }});
    let r = run(def, json!({"s": text(LIMIT / 2 + 8)}), tasks.clone()).await;
    over_by(
        &r,
        "The input of the state 'Call' after Arguments is more than the maximum number of bytes \
         service limit (262144 bytes).",
    );
    assert!(tasks.calls_to("arn:aws:lambda:r:1:function:f").is_empty());
}

/// A Map over `n` items, each returning the input's `s`.
fn fan_out(n: usize, catch: Value) -> Value {
    json!({"StartAt": "Items", "States": {
        "Items": {
            "Type": "Pass",
            "Parameters": {"items.$": format!("States.ArrayRange(1, {n}, 1)"), "s.$": "$.s"},
            "Next": "Fanout"
        },
        "Fanout": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"s.$": "$.s"},
            "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}},
            "ResultPath": "$.results",
            "OutputPath": "$.results[0]",
            "Catch": catch,
            "End": true
        },
        "Caught": {"Type": "Pass", "End": true}
    }})
}

#[tokio::test]
async fn a_map_whose_results_are_too_big_fails_as_a_task_would_and_its_catch_takes_it() {
    // 1,000 results of 308 bytes: over the limit together, although the state's output
    // (one of them, by OutputPath) would be small.
    let s = "y".repeat(300);
    let r = run(fan_out(1000, json!([])), json!({"s": s}), Arc::default()).await;
    over_by(
        &r,
        "The state/task 'Fanout' returned a result with a size exceeding the maximum number of \
         bytes service limit.",
    );
    let under = run(fan_out(800, json!([])), json!({"s": s}), Arc::default()).await;
    assert_eq!(
        under.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        under.cause
    );
    assert_eq!(under.output.unwrap(), json!({"s": s}));

    // As a task's result over the limit is caught by States.ALL on AWS.
    let catch = json!([{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]);
    let r = run(fan_out(1000, catch), json!({"s": s}), Arc::default()).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{:?}", r.cause);
    assert_eq!(r.path, vec!["Items", "Fanout", "Caught"]);
    assert_eq!(r.output.unwrap()["Error"], "States.DataLimitExceeded");
}

#[tokio::test]
async fn a_parallel_whose_branches_return_too_much_names_the_state() {
    let branch = json!({"StartAt": "Copy", "States": {"Copy": {"Type": "Pass", "End": true}}});
    let def = json!({"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel", "Branches": [branch, branch], "End": true}
    }});
    let r = run(def.clone(), json!({"s": text(LIMIT / 2)}), Arc::default()).await;
    over_by(
        &r,
        "The state/task 'Both' returned a result with a size exceeding the maximum number of \
         bytes service limit.",
    );
    let r = run(def, json!({"s": text(LIMIT / 2 - 8)}), Arc::default()).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{:?}", r.cause);
}

#[tokio::test]
async fn an_output_over_the_limit_is_past_the_states_own_catch() {
    // The task's result is small; its ResultPath puts it beside an input that leaves no room.
    let tasks = Arc::new(Scripted::new().on(
        "arn:aws:lambda:r:1:function:f",
        vec![Outcome::Ok(json!({"pad": "z".repeat(64)}))],
    ));
    let def = json!({"StartAt": "Call", "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:r:1:function:f",
            "Parameters": {},
            "ResultPath": "$.r",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": true
        },
        "Caught": {"Type": "Pass", "End": true}
    }});
    let r = run(def, json!({"s": text(LIMIT - 16)}), tasks).await;
    over_by(
        &r,
        "The state/task 'Call' returned a result with a size exceeding the maximum number of \
         bytes service limit.",
    );
    assert_eq!(r.path, vec!["Call"]);
}
