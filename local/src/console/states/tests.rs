//! Histories from the real interpreter, run with scripted task results.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jobs_asl::{ExecutionSpec, ExecutionStatus, Executor, TaskContext, TaskError, TaskHandler};
use serde_json::{json, Value};

use super::*;
use crate::console::outline::Outline;
use crate::runtime::Workflow;

/// Answers each Task by its state name: the scripted errors first (one per
/// call), then success with the input as the result.
#[derive(Default)]
struct Script {
    errors: Mutex<HashMap<String, Vec<(&'static str, &'static str)>>>,
}

impl Script {
    fn failing(self, state: &str, errors: &[(&'static str, &'static str)]) -> Self {
        self.errors
            .lock()
            .unwrap()
            .insert(state.to_owned(), errors.to_vec());
        self
    }
}

#[async_trait]
impl TaskHandler for Script {
    async fn invoke(&self, _: &str, input: Value, ctx: &TaskContext) -> Result<Value, TaskError> {
        let next = {
            let mut errors = self.errors.lock().unwrap();
            errors
                .get_mut(&*ctx.state_name)
                .filter(|e| !e.is_empty())
                .map(|e| e.remove(0))
        };
        match next {
            Some((error, cause)) => Err(TaskError::new(error, cause)),
            None => Ok(json!({"Payload": input.get("Payload").cloned().unwrap_or(input)})),
        }
    }
}

struct Ran {
    runs: Runs,
    outline: Outline,
    status: ExecutionStatus,
}

fn ended(status: ExecutionStatus) -> Ended {
    match status {
        ExecutionStatus::Running => Ended::Running,
        ExecutionStatus::Succeeded => Ended::Succeeded,
        ExecutionStatus::Failed => Ended::Failed,
        ExecutionStatus::TimedOut => Ended::TimedOut,
        ExecutionStatus::Aborted => Ended::Aborted,
    }
}

async fn run(definition: &str, script: Script, input: Value) -> Ran {
    let workflow = Workflow::load(definition, "us-east-1").unwrap();
    let outline = Outline::from_definition(&workflow.json()).unwrap();
    let executor = Executor::new(workflow.machine.clone(), Arc::new(script));
    let result = executor
        .run(ExecutionSpec::new("e", "arn:e", input).with_history())
        .await;
    let runs = read(&result.history, Some(&outline), ended(result.status));
    Ran {
        runs,
        outline,
        status: result.status,
    }
}

fn job_input() -> Value {
    json!({"id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", "parameters": {"n": 1}})
}

const JOBS: &str = crate::runtime::workflow::JOBS_DEFINITION;
const FAN_OUT: &str = include_str!("../../../tests/fixtures/fan-out.asl.json");

fn colours(ran: &Ran) -> Vec<(String, StateStatus)> {
    let by_state = ran.runs.status_by_state();
    let mut all: Vec<(String, StateStatus)> = ran
        .outline
        .all_names()
        .into_iter()
        .map(|n| {
            let s = by_state.get(n).copied().unwrap_or(StateStatus::NotReached);
            (n.to_owned(), s)
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

fn expect(pairs: &[(&str, StateStatus)]) -> Vec<(String, StateStatus)> {
    let mut v: Vec<(String, StateStatus)> =
        pairs.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

use StateStatus::*;

#[tokio::test]
async fn a_job_that_succeeds_colours_process_job_alone() {
    let ran = run(JOBS, Script::default(), job_input()).await;
    assert_eq!(ran.status, ExecutionStatus::Succeeded);
    assert_eq!(
        colours(&ran),
        expect(&[
            ("ProcessJob", Succeeded),
            ("RecordFailure", NotReached),
            ("JobFailed", NotReached),
            ("ArchiveFailedJob", NotReached),
            ("JobArchived", NotReached),
        ])
    );
    let run = &ran.runs.runs[0];
    assert_eq!(run.kind, "Task");
    assert_eq!(run.input.as_ref().unwrap(), &job_input());
    assert_eq!(run.output.as_ref().unwrap(), &job_input());
    assert_eq!(run.retries(), 0);
}

#[tokio::test]
async fn the_archive_path_shows_two_caught_errors_and_the_failure_state() {
    let script = Script::default()
        .failing("ProcessJob", &[("StoreError", "processor write failed")])
        .failing("RecordFailure", &[("StoreError", "handler write failed")]);
    let ran = run(JOBS, script, job_input()).await;
    assert_eq!(ran.status, ExecutionStatus::Failed);
    assert_eq!(
        colours(&ran),
        expect(&[
            ("ProcessJob", Caught),
            ("RecordFailure", Caught),
            ("JobFailed", NotReached),
            ("ArchiveFailedJob", Succeeded),
            ("JobArchived", Failed),
        ])
    );
    let process = &ran.runs.runs[0];
    let error = process.attempts.iter().rev().find(|a| a.failed).unwrap();
    assert_eq!(error.error.as_deref(), Some("StoreError"));
    assert_eq!(error.cause.as_deref(), Some("processor write failed"));
}

#[tokio::test(start_paused = true)]
async fn retries_are_counted_per_run_and_an_uncaught_failure_is_red() {
    let script = Script::default().failing(
        "ProcessJob",
        &[
            ("Lambda.ServiceException", "throttled"),
            ("Lambda.ServiceException", "throttled"),
        ],
    );
    let ran = run(JOBS, script, job_input()).await;
    assert_eq!(ran.runs.runs[0].retries(), 2);
    assert_eq!(ran.runs.runs[0].status, Succeeded);

    // Four service errors: three retries, then the Catch.
    let script = Script::default()
        .failing("ProcessJob", &[("Lambda.ServiceException", "x"); 4])
        .failing("RecordFailure", &[("JobError", "no")]);
    let ran = run(JOBS, script, job_input()).await;
    let process = ran.runs.of_state("ProcessJob").next().unwrap().1;
    assert_eq!((process.retries(), process.status), (3, Caught));

    // A state with no Catch that fails for good fails the execution.
    let no_catch = r#"{"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}"#;
    let ran = run(
        no_catch,
        Script::default().failing("T", &[("Boom", "b")]),
        json!({}),
    )
    .await;
    assert_eq!(colours(&ran), expect(&[("T", Failed)]));
}

#[tokio::test(start_paused = true)]
async fn map_iterations_and_parallel_branches_nest_under_their_state() {
    let ran = run(FAN_OUT, Script::default(), job_input()).await;
    assert_eq!(ran.status, ExecutionStatus::Succeeded);
    assert_eq!(
        colours(&ran),
        expect(&[
            ("CheckSize", Succeeded),
            ("TooLong", NotReached),
            ("PlanChunks", Succeeded),
            ("PrepareChunks", Succeeded),
            ("PrepareChunk", Succeeded),
            ("SettleChunk", Succeeded),
            ("Work", Succeeded),
            ("ProcessJob", Succeeded),
            ("Audit", Succeeded),
            ("RecordFailure", NotReached),
            ("JobFailed", NotReached),
            ("Done", Succeeded),
        ])
    );
    let runs = &ran.runs;
    let map = runs.of_state("PrepareChunks").next().unwrap().0;
    let mut iterations: Vec<Option<usize>> = runs
        .of_state("PrepareChunk")
        .map(|(_, r)| r.iteration)
        .collect();
    iterations.sort();
    assert_eq!(iterations, [Some(0), Some(1), Some(2)]);
    assert!(runs
        .of_state("SettleChunk")
        .all(|(_, r)| r.parent == Some(map) && r.depth == 1));
    let chunk_inputs: Vec<Value> = runs
        .of_state("PrepareChunk")
        .map(|(_, r)| r.input.clone().unwrap())
        .collect();
    assert!(chunk_inputs.contains(&json!(2)), "{chunk_inputs:?}");
    let work = runs.of_state("Work").next().unwrap().0;
    let process = runs.of_state("ProcessJob").next().unwrap().1;
    assert_eq!((process.parent, process.depth), (Some(work), 1));
    assert_eq!(runs.of_state("Audit").next().unwrap().1.parent, Some(work));
}

#[tokio::test(start_paused = true)]
async fn a_failing_branch_is_red_its_parallel_caught_and_the_catch_target_runs() {
    let script = Script::default().failing("ProcessJob", &[("JobError", "bad")]);
    let ran = run(FAN_OUT, script, job_input()).await;
    assert_eq!(ran.status, ExecutionStatus::Failed);
    let c: HashMap<String, StateStatus> = colours(&ran).into_iter().collect();
    assert_eq!(c["ProcessJob"], Failed);
    assert_eq!(c["Work"], Caught);
    assert_eq!(c["RecordFailure"], Succeeded);
    assert_eq!(c["JobFailed"], Failed);
    assert_eq!(c["Done"], NotReached);
}

#[tokio::test]
async fn a_running_execution_shows_the_state_it_is_in() {
    let script = Script::default()
        .failing("ProcessJob", &[("StoreError", "x")])
        .failing("RecordFailure", &[("StoreError", "y")]);
    let workflow = Workflow::load(JOBS, "us-east-1").unwrap();
    let outline = Outline::from_definition(&workflow.json()).unwrap();
    let executor = Executor::new(workflow.machine.clone(), Arc::new(script));
    let result = executor
        .run(ExecutionSpec::new("e", "arn:e", job_input()).with_history())
        .await;
    // The history as it stood when RecordFailure had just been entered.
    let cut = result
        .history
        .iter()
        .position(|e| e.state_name() == Some("RecordFailure"))
        .unwrap();
    let runs = read(&result.history[..=cut], Some(&outline), Ended::Running);
    let by_state = runs.status_by_state();
    assert_eq!(by_state["ProcessJob"], Caught);
    assert_eq!(by_state["RecordFailure"], InProgress);
    assert!(!by_state.contains_key("ArchiveFailedJob"));
}

#[tokio::test]
async fn a_state_resumed_after_a_stop_shows_its_second_entry() {
    let workflow = Workflow::load(JOBS, "us-east-1").unwrap();
    let outline = Outline::from_definition(&workflow.json()).unwrap();
    let executor = Executor::new(workflow.machine.clone(), Arc::new(Script::default()));
    let first = executor
        .run(ExecutionSpec::new("e", "arn:e", job_input()).with_history())
        .await;
    // Cut off after ProcessJob was entered and its task scheduled, then
    // resumed from ProcessJob as the runtime does after a stop.
    let mut events = first.history[..3].to_vec();
    let resumed = executor
        .run(
            ExecutionSpec::new("e", "arn:e", job_input())
                .with_history()
                .with_resume(jobs_asl::Resume {
                    state: "ProcessJob".into(),
                    input: job_input(),
                    after_event_id: 3,
                    wait: None,
                    map_run_arn: None,
                }),
        )
        .await;
    events.extend(resumed.history);
    let runs = read(&events, Some(&outline), Ended::Succeeded);
    let statuses: Vec<StateStatus> = runs.of_state("ProcessJob").map(|(_, r)| r.status).collect();
    assert_eq!(statuses, [Interrupted, Succeeded]);
    assert_eq!(runs.status_by_state()["ProcessJob"], Succeeded);
}

/// Answers a callback task's call by completing its token at once, with the
/// output the task then succeeds with.
struct Answers(Arc<jobs_asl::MemoryCallbacks>);

#[async_trait]
impl TaskHandler for Answers {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        let token = input["token"].as_str().expect("the task gets its token");
        self.0.success(token, r#"{"approved": true}"#).unwrap();
        Ok(json!({"MessageId": "m-1"}))
    }
}

#[tokio::test]
async fn a_callback_task_waits_after_its_call_until_its_token_is_answered() {
    let definition = json!({
        "StartAt": "Approve",
        "States": {"Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token"},
            "End": true
        }}
    });
    let workflow = Workflow::load(&definition.to_string(), "us-east-1").unwrap();
    let outline = Outline::from_definition(&workflow.json()).unwrap();
    let callbacks = Arc::new(jobs_asl::MemoryCallbacks::new());
    let executor = Executor::new(
        workflow.machine.clone(),
        Arc::new(Answers(callbacks.clone())),
    )
    .with_callbacks(callbacks);
    let result = executor
        .run(ExecutionSpec::new("e", "arn:e", json!({})).with_history())
        .await;
    assert_eq!(result.status, ExecutionStatus::Succeeded);
    let upto = |kind: EventType| {
        let at = result
            .history
            .iter()
            .position(|e| e.event_type == kind)
            .unwrap();
        &result.history[..=at]
    };
    let status = |events: &[HistoryEvent], ended: Ended| {
        read(events, Some(&outline), ended).status_by_state()["Approve"]
    };
    // Calling, then waiting; ended while it waited, then answered.
    assert_eq!(
        status(upto(EventType::TaskStarted), Ended::Running),
        InProgress
    );
    let submitted = upto(EventType::TaskSubmitted);
    assert_eq!(status(submitted, Ended::Running), Waiting);
    assert_eq!(status(submitted, Ended::Aborted), Cancelled);
    assert_eq!(status(submitted, Ended::TimedOut), Failed);
    assert_eq!(
        status(upto(EventType::TaskSucceeded), Ended::Running),
        InProgress
    );
    assert_eq!(status(&result.history, Ended::Succeeded), Succeeded);

    // The registry no longer lists the task: its answer is being taken in.
    let mut runs = read(submitted, Some(&outline), Ended::Running);
    runs.settle_answered(&[jobs_asl::WaitingTask {
        token: "t".into(),
        state_name: "Approve".into(),
    }]);
    assert_eq!(runs.runs[0].status, Waiting);
    runs.settle_answered(&[]);
    assert_eq!(runs.runs[0].status, InProgress);
}
