//! Behaviour of each state type and of the data flow between states.

mod support;

use jobs_asl::{ExecutionResult, ExecutionSpec, ExecutionStatus, Executor, StateMachine};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use support::{types, Outcome, Scripted};

const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:Demo:exec-1";

async fn run_with(def: Value, input: Value, h: Scripted) -> ExecutionResult {
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    Executor::new(m, Arc::new(h))
        .run(ExecutionSpec::new("exec-1", ARN, input).with_history())
        .await
}

async fn run(def: Value, input: Value) -> ExecutionResult {
    run_with(def, input, Scripted::new()).await
}

#[tokio::test]
async fn pass_data_flow_input_parameters_result_output() {
    let def = json!({"StartAt": "P", "States": {"P": {
        "Type": "Pass",
        "InputPath": "$.in",
        "Parameters": {"x.$": "$.a", "fixed": 1, "sum.$": "States.MathAdd($.a, 2)"},
        "ResultPath": "$.out.deep",
        "OutputPath": "$.out",
        "End": true}}});
    let r = run(def, json!({"in": {"a": 5}, "keep": true})).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded);
    assert_eq!(
        r.output.unwrap(),
        json!({"deep": {"x": 5, "fixed": 1, "sum": 7}})
    );
}

#[tokio::test]
async fn pass_result_and_null_paths() {
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"r": 1}, "ResultPath": "$.res", "Next": "B"},
        "B": {"Type": "Pass", "Result": "ignored", "ResultPath": null, "Next": "C"},
        "C": {"Type": "Pass", "InputPath": null, "ResultPath": "$.empty", "OutputPath": "$.empty", "End": true}}});
    let r = run(def, json!({"v": 1})).await;
    assert_eq!(r.output.unwrap(), json!({}));
    assert_eq!(r.path, vec!["A", "B", "C"]);
    let b_exit = r
        .history
        .iter()
        .find(|e| e.state_name() == Some("B") && format!("{:?}", e.event_type) == "PassStateExited")
        .unwrap();
    let out: Value = serde_json::from_str(
        b_exit
            .state_exited_event_details
            .as_ref()
            .unwrap()
            .output
            .as_ref()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(out, json!({"v": 1, "res": {"r": 1}}));
}

#[tokio::test]
async fn context_object_fields() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {
        "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input",
        "start.$": "$$.Execution.StartTime", "state.$": "$$.State.Name", "entered.$": "$$.State.EnteredTime",
        "redrives.$": "$$.Execution.RedriveCount", "sm.$": "$$.StateMachine.Id", "smName.$": "$$.StateMachine.Name"
    }, "End": true}}});
    let r = run(def, json!({"q": 1})).await;
    let o = r.output.unwrap();
    assert_eq!(o["id"], ARN);
    assert_eq!(o["name"], "exec-1");
    assert_eq!(o["input"], json!({"q": 1}));
    assert_eq!(o["state"], "P");
    assert_eq!(o["redrives"], 0);
    assert_eq!(
        o["sm"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:Demo"
    );
    assert_eq!(o["smName"], "Demo");
    assert!(chrono::DateTime::parse_from_rfc3339(o["start"].as_str().unwrap()).is_ok());
    assert!(chrono::DateTime::parse_from_rfc3339(o["entered"].as_str().unwrap()).is_ok());
}

/// Only a state that can retry has `$$.State.RetryCount` (AWS's context for a Pass state has
/// none, as recorded executions show).
#[tokio::test]
async fn retry_count_is_there_for_work_states_only() {
    let pass = json!({"StartAt": "P", "States": {"P": {"Type": "Pass",
        "Parameters": {"r.$": "$$.State.RetryCount"}, "End": true}}});
    assert_eq!(run(pass, json!({})).await.status, ExecutionStatus::Failed);
    let task = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"r.$": "$$.State.RetryCount"}, "End": true}}});
    let r = run(task, json!({})).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{:?}", r.cause);
}

#[tokio::test]
async fn task_token_is_absent_from_the_context() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"t.$": "$$.Task.Token"}, "End": true}}});
    let r = run(def, json!({})).await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(r.error.as_deref(), Some("States.Runtime"));
}

/// A Run a Job task (`.sync`, `.sync:2`) has a token as a callback task has: workflows pass it
/// to the child execution they start, and AWS runs them (a recorded execution of
/// `startExecution.sync` with `$$.Task.Token` succeeds). A Request Response task has none.
#[tokio::test]
async fn sync_tasks_have_a_task_token_and_request_response_tasks_none() {
    let start = "arn:aws:states:::states:startExecution";
    for suffix in [".sync", ".sync:2"] {
        let jsonpath = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": format!("{start}{suffix}"),
            "Parameters": {"Input": {"parent.$": "$$.Task.Token"}}, "End": true}}});
        let jsonata = json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": format!("{start}{suffix}"),
            "Arguments": {"Input": {"parent": "{% $states.context.Task.Token %}"}}, "End": true}}});
        for def in [jsonpath, jsonata] {
            let r = run(def, json!({})).await;
            assert_eq!(
                r.status,
                ExecutionStatus::Succeeded,
                "{suffix}: {:?}",
                r.cause
            );
            let token = r.output.unwrap()["Input"]["parent"].clone();
            assert!(
                token.as_str().is_some_and(|t| !t.is_empty()),
                "{suffix}: the child is handed a token, got {token}"
            );
        }
    }
    let plain = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": start,
        "Parameters": {"Input": {"parent.$": "$$.Task.Token"}}, "End": true}}});
    let r = run(plain, json!({})).await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert!(r.cause.unwrap().contains("$$.Task.Token"));
}

#[tokio::test]
async fn task_result_selector_and_result_path() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload": {"n.$": "$.n"}},
        "ResultSelector": {"value.$": "$.Payload.v", "code.$": "$.StatusCode"},
        "ResultPath": "$.result", "End": true}}});
    let h = Scripted::new().on("f", vec![Outcome::Ok(json!({"v": 42}))]);
    let r = run_with(def, json!({"n": 1}), h).await;
    assert_eq!(
        r.output.unwrap(),
        json!({"n": 1, "result": {"value": 42, "code": 200}})
    );
}

#[tokio::test]
async fn catch_result_path_and_specific_errors_before_catch_all() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName": "f"},
              "Catch": [
                  {"ErrorEquals": ["Custom"], "ResultPath": "$.custom", "Next": "Custom"},
                  {"ErrorEquals": ["States.ALL"], "Next": "Other"}],
              "End": true},
        "Custom": {"Type": "Pass", "End": true},
        "Other": {"Type": "Pass", "End": true}}});
    let h = Scripted::new().on("f", vec![Outcome::Fail("Custom", "why")]);
    let r = run_with(def.clone(), json!({"a": 1}), h).await;
    assert_eq!(r.path, vec!["T", "Custom"]);
    assert_eq!(
        r.output.unwrap(),
        json!({"a": 1, "custom": {"Error": "Custom", "Cause": "why"}})
    );
    let h = Scripted::new().on("f", vec![Outcome::Fail("Else", "no")]);
    let r = run_with(def, json!({"a": 1}), h).await;
    assert_eq!(r.path, vec!["T", "Other"]);
    assert_eq!(r.output.unwrap(), json!({"Error": "Else", "Cause": "no"}));
}

#[tokio::test(start_paused = true)]
async fn max_attempts_zero_never_retries_and_uncaught_errors_fail_the_execution() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
        "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 0}], "End": true}}});
    let h = Arc::new(Scripted::new().on("f", vec![Outcome::Fail("E", "c"), Outcome::Ok(json!(1))]));
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    let r = Executor::new(m, h.clone())
        .run(ExecutionSpec::new("e", ARN, json!({})))
        .await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(
        (r.error.as_deref(), r.cause.as_deref()),
        (Some("E"), Some("c"))
    );
    assert_eq!(h.calls_to("f").len(), 1);
    assert!(r.history.is_empty(), "history is only collected on request");
}

#[tokio::test(start_paused = true)]
async fn retry_backoff_timing_without_jitter() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3,
                   "MaxDelaySeconds": 10, "JitterStrategy": "NONE"}], "End": true}}});
    let h = Scripted::new().on(
        "f",
        vec![
            Outcome::Fail("E", ""),
            Outcome::Fail("E", ""),
            Outcome::Fail("E", ""),
            Outcome::Ok(json!("ok")),
        ],
    );
    let t0 = tokio::time::Instant::now();
    let r = run_with(def, json!({}), h).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded);
    // 2 + 6 + min(18, 10)
    assert_eq!(t0.elapsed(), Duration::from_secs(18));
}

#[tokio::test(start_paused = true)]
async fn task_timeout_from_a_path_and_states_timeout_is_not_task_failed() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName": "f", "t.$": "$.t"}, "TimeoutSecondsPath": "$.t",
              "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "TaskFailed"},
                        {"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"}],
              "End": true},
        "TaskFailed": {"Type": "Succeed"}, "TimedOut": {"Type": "Succeed"}}});
    let h = Scripted::new().on(
        "f",
        vec![Outcome::After(
            Duration::from_secs(6),
            Box::new(Outcome::Echo),
        )],
    );
    let r = run_with(def, json!({"t": 5}), h).await;
    assert_eq!(r.path, vec!["T", "TimedOut"]);
    assert!(types(&r.history).contains(&"TaskTimedOut".to_owned()));
}

#[tokio::test]
async fn choice_rules_default_and_no_match() {
    let def = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [
                {"And": [{"Variable": "$.n", "IsNumeric": true}, {"Variable": "$.n", "NumericGreaterThan": 10}], "Next": "Big"},
                {"Variable": "$.s", "StringMatches": "x*", "Next": "X"}],
              "Default": "Other"},
        "Big": {"Type": "Succeed"}, "X": {"Type": "Succeed"}, "Other": {"Type": "Succeed"}}});
    assert_eq!(
        run(def.clone(), json!({"n": 11, "s": "x"})).await.path,
        ["C", "Big"]
    );
    assert_eq!(
        run(def.clone(), json!({"n": 1, "s": "xy"})).await.path,
        ["C", "X"]
    );
    assert_eq!(
        run(def, json!({"n": 1, "s": "y"})).await.path,
        ["C", "Other"]
    );
    let def = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}]},
        "D": {"Type": "Succeed"}}});
    let r = run(def, json!({"n": 2})).await;
    assert_eq!(r.error.as_deref(), Some("States.NoChoiceMatched"));
    assert_eq!(
        types(&r.history),
        ["ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"]
    );
}

#[tokio::test(start_paused = true)]
async fn wait_seconds_paths_and_timestamps() {
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Wait", "Seconds": 5, "Next": "B"},
        "B": {"Type": "Wait", "SecondsPath": "$.s", "Next": "C"},
        "C": {"Type": "Wait", "Timestamp": "2000-01-01T00:00:00Z", "Next": "D"},
        "D": {"Type": "Wait", "TimestampPath": "$.ts", "End": true}}});
    let ts = (chrono::Utc::now() + chrono::Duration::seconds(100)).to_rfc3339();
    let t0 = tokio::time::Instant::now();
    let r = run(def, json!({"s": 7, "ts": ts})).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded);
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(99) && waited <= Duration::from_secs(113),
        "{waited:?}"
    );
    assert_eq!(
        types(&r.history)
            .iter()
            .filter(|t| *t == "WaitStateExited")
            .count(),
        4
    );
}

#[tokio::test]
async fn wait_with_a_bad_seconds_path_fails() {
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}});
    let r = run(def, json!({"s": "soon"})).await;
    assert_eq!(r.error.as_deref(), Some("States.Runtime"));
}

#[tokio::test]
async fn fail_with_literal_and_path_error_cause() {
    let def = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('because {}', $.c)"}}});
    let r = run(def, json!({"e": "MyError", "c": "reasons"})).await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(r.error.as_deref(), Some("MyError"));
    assert_eq!(r.cause.as_deref(), Some("because reasons"));
    assert_eq!(
        types(&r.history),
        ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    );
}

#[tokio::test]
async fn succeed_applies_input_and_output_paths() {
    let def = json!({"StartAt": "S", "States": {"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}});
    let r = run(def, json!({"a": {"b": 3}})).await;
    assert_eq!(r.output.unwrap(), json!(3));
    assert_eq!(
        types(&r.history)[1..3],
        ["SucceedStateEntered", "SucceedStateExited"]
    );
}

#[tokio::test]
async fn parallel_runs_branches_and_collects_outputs_in_order() {
    let def = json!({"StartAt": "P", "States": {"P": {
        "Type": "Parallel",
        "Parameters": {"v.$": "$.v"},
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"a.$": "$.v"}, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "OutputPath": "$.Payload", "End": true}}}
        ],
        "ResultSelector": {"first.$": "$[0].a", "second.$": "$[1].v"},
        "ResultPath": "$.r",
        "End": true}}});
    let r = run(def, json!({"v": 9})).await;
    assert_eq!(
        r.output.unwrap(),
        json!({"v": 9, "r": {"first": 9, "second": 9}})
    );
    let t = types(&r.history);
    assert_eq!(t[1..3], ["ParallelStateEntered", "ParallelStateStarted"]);
    assert_eq!(
        t[t.len() - 3..],
        [
            "ParallelStateSucceeded",
            "ParallelStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        r.path,
        vec!["P"],
        "branch states are not part of the top-level path"
    );
}

#[tokio::test]
async fn a_failing_branch_fails_the_parallel_state_and_can_be_caught() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "BranchBroke", "Cause": "b"}}}],
              "Catch": [{"ErrorEquals": ["BranchBroke"], "ResultPath": "$.err", "Next": "Done"}],
              "End": true},
        "Done": {"Type": "Pass", "End": true}}});
    let r = run(def, json!({})).await;
    assert_eq!(r.path, vec!["P", "Done"]);
    assert_eq!(
        r.output.unwrap(),
        json!({"err": {"Error": "BranchBroke", "Cause": "b"}})
    );
    assert!(types(&r.history).contains(&"ParallelStateFailed".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn map_items_selector_context_and_concurrency() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
        "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "tag.$": "$.tag"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "W", "States": {
            "W": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "OutputPath": "$.Payload", "End": true}}},
        "ResultPath": "$.out",
        "End": true}}});
    let slow = |s| Outcome::After(Duration::from_secs(s), Box::new(Outcome::Echo));
    let h = Scripted::new().on("f", vec![slow(3), slow(1), slow(1), slow(1)]);
    let t0 = tokio::time::Instant::now();
    let r = run_with(def, json!({"items": ["a", "b", "c", "d"], "tag": "t"}), h).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    let out = r.output.unwrap();
    assert_eq!(out["out"][0], json!({"value": "a", "index": 0, "tag": "t"}));
    assert_eq!(out["out"][3], json!({"value": "d", "index": 3, "tag": "t"}));
    // Two at a time: a(3 s) || b,c,d (1 s each) -> 3 s in all.
    assert_eq!(t0.elapsed(), Duration::from_secs(3));
    let t = types(&r.history);
    assert_eq!(t.iter().filter(|x| *x == "MapIterationStarted").count(), 4);
    assert_eq!(
        t.iter().filter(|x| *x == "MapIterationSucceeded").count(),
        4
    );
    let started = r
        .history
        .iter()
        .find(|e| e.map_state_started_event_details.is_some())
        .unwrap();
    assert_eq!(
        started
            .map_state_started_event_details
            .as_ref()
            .unwrap()
            .length,
        4
    );
}

#[tokio::test]
async fn map_with_legacy_iterator_and_parameters() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map",
        "Parameters": {"x.$": "$$.Map.Item.Value"},
        "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"y.$": "States.MathAdd($.x, 1)"}, "End": true}}},
        "End": true}}});
    let r = run(def, json!([1, 2, 3])).await;
    assert_eq!(r.output.unwrap(), json!([{"y": 2}, {"y": 3}, {"y": 4}]));
}

#[tokio::test]
async fn map_over_a_non_array_fails() {
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.x",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}});
    let r = run(def, json!({"x": 1})).await;
    assert_eq!(r.error.as_deref(), Some("States.Runtime"));
}

#[tokio::test]
async fn missing_input_path_is_a_runtime_error_that_catch_all_does_not_take() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "r", "InputPath": "$.nope",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X"}], "End": true},
        "X": {"Type": "Succeed"}}});
    let r = run(def, json!({})).await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(r.error.as_deref(), Some("States.Runtime"));
    assert!(r.cause.unwrap().contains("$.nope"));
}

#[tokio::test]
async fn map_iteration_events_chain_to_their_iteration() {
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}});
    let r = run(def, json!([1, 2])).await;
    let h = &r.history;
    let by_id = |id: u64| h.iter().find(|e| e.id == id).unwrap();
    for e in h
        .iter()
        .filter(|e| format!("{:?}", e.event_type) == "PassStateEntered")
    {
        let prev = by_id(e.previous_event_id);
        assert_eq!(format!("{:?}", prev.event_type), "MapIterationStarted");
    }
    let iters: Vec<usize> = h
        .iter()
        .filter_map(|e| {
            e.map_iteration_succeeded_event_details
                .as_ref()
                .map(|d| d.index)
        })
        .collect();
    assert_eq!(iters, [0, 1]);
    // Ids are unique and increasing.
    assert!(h.windows(2).all(|w| w[1].id == w[0].id + 1));
}

#[tokio::test]
async fn map_max_concurrency_path_and_choice_on_the_context() {
    let def = json!({"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrencyPath": "$.n",
              "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$$.Execution.Name", "StringEquals": "exec-1", "Next": "Yes"}],
              "Default": "No"},
        "Yes": {"Type": "Succeed"}, "No": {"Type": "Fail"}}});
    let r = run(def, json!({"xs": [1, 2, 3], "n": 2})).await;
    assert_eq!(r.path, ["M", "C", "Yes"]);
    assert_eq!(r.output.unwrap(), json!([1, 2, 3]));
}

struct Panics;

#[async_trait::async_trait]
impl jobs_asl::TaskHandler for Panics {
    async fn invoke(
        &self,
        _: &str,
        _: Value,
        _: &jobs_asl::TaskContext,
    ) -> Result<Value, jobs_asl::TaskError> {
        panic!("handler bug")
    }
}

#[tokio::test]
async fn a_panicking_handler_fails_its_task_and_can_be_caught() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "r", "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "C"}], "End": true},
        "C": {"Type": "Pass", "End": true}}});
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    let r = Executor::new(m, Arc::new(Panics))
        .run(ExecutionSpec::new("e", ARN, json!({})))
        .await;
    assert_eq!(r.path, ["T", "C"]);
    assert_eq!(
        r.output.unwrap(),
        json!({"Error": "States.TaskFailed", "Cause": "handler bug"})
    );
}
