//! Runs the project's own workflow, `statemachine/jobs.asl.json`, through its paths.

mod support;

use jobs_asl::{substitute, ExecutionSpec, ExecutionStatus, Executor, StateMachine};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use support::{types, Collect, Outcome, Scripted};

const PROCESSOR: &str = "arn:aws:lambda:local:000000000000:function:processor";
const ERROR_HANDLER: &str = "arn:aws:lambda:local:000000000000:function:error-handler";
const BUS: &str = "failed-jobs";
const PUT_EVENTS: &str = "arn:aws:states:::events:putEvents";

fn machine() -> Arc<StateMachine> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../statemachine/jobs.asl.json"
    ))
    .unwrap();
    let vars = HashMap::from([
        ("ProcessorFunctionArn".to_owned(), PROCESSOR.to_owned()),
        (
            "ErrorHandlerFunctionArn".to_owned(),
            ERROR_HANDLER.to_owned(),
        ),
        ("FailedJobsEventBusName".to_owned(), BUS.to_owned()),
    ]);
    Arc::new(StateMachine::from_json(&substitute(&text, &vars)).unwrap())
}

fn input() -> Value {
    json!({"id": "job-1", "parameters": {"n": 2}})
}

fn spec() -> ExecutionSpec {
    ExecutionSpec::new(
        "job-1",
        "arn:aws:states:local:000000000000:execution:jobs:job-1",
        input(),
    )
    .with_history()
}

fn done(msg: &str) -> Outcome {
    Outcome::Ok(json!({"id": "job-1", "status": "Success", "results": {"message": msg}}))
}

#[tokio::test(start_paused = true)]
async fn success_returns_the_processor_payload() {
    let h = Arc::new(Scripted::new().on(PROCESSOR, vec![done("I slept for 2 seconds")]));
    let r = Executor::new(machine(), h.clone()).run(spec()).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    assert_eq!(
        r.output.unwrap(),
        json!({"id": "job-1", "status": "Success", "results": {"message": "I slept for 2 seconds"}})
    );
    assert_eq!(r.path, vec!["ProcessJob"]);
    let calls = h.calls_to(PROCESSOR);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0],
        json!({"FunctionName": PROCESSOR, "Payload": input()})
    );
    assert_eq!(
        types(&r.history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let sched = r.history[2].task_scheduled_event_details.as_ref().unwrap();
    assert_eq!(sched.resource_type, "lambda");
    assert_eq!(sched.resource, "invoke");
    assert_eq!(sched.timeout_in_seconds, Some(195));
    let params: Value = serde_json::from_str(&sched.parameters).unwrap();
    assert_eq!(params["FunctionName"], PROCESSOR);
    for (i, e) in r.history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1);
        assert_eq!(e.previous_event_id, i as u64);
    }
}

#[tokio::test(start_paused = true)]
async fn processor_failure_goes_to_record_failure() {
    let h = Arc::new(
        Scripted::new()
            .on(
                PROCESSOR,
                vec![Outcome::Fail("JobError", "seconds too large")],
            )
            .on(
                ERROR_HANDLER,
                vec![Outcome::Ok(json!({"status": "Failure"}))],
            ),
    );
    let r = Executor::new(machine(), h.clone()).run(spec()).await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(r.error.as_deref(), Some("JobFailed"));
    assert_eq!(r.path, vec!["ProcessJob", "RecordFailure", "JobFailed"]);
    let calls = h.calls_to(ERROR_HANDLER);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0]["Payload"],
        json!({"id": "job-1", "parameters": {"n": 2},
               "processorError": {"Error": "JobError", "Cause": "seconds too large"}})
    );
    assert!(h.calls_to(PUT_EVENTS).is_empty());
    let t = types(&r.history);
    assert!(t.contains(&"TaskFailed".to_owned()));
    assert_eq!(t.last().unwrap(), "ExecutionFailed");
    assert_eq!(t[t.len() - 2], "FailStateEntered");
}

#[tokio::test(start_paused = true)]
async fn error_handler_failure_archives_the_job() {
    let h = Arc::new(
        Scripted::new()
            .on(PROCESSOR, vec![Outcome::Fail("JobError", "boom")])
            .on(
                ERROR_HANDLER,
                vec![Outcome::Fail("StoreError", "table unavailable")],
            )
            .on(
                PUT_EVENTS,
                vec![Outcome::Ok(
                    json!({"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]}),
                )],
            ),
    );
    let r = Executor::new(machine(), h.clone()).run(spec()).await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(r.error.as_deref(), Some("JobArchived"));
    assert_eq!(
        r.path,
        vec![
            "ProcessJob",
            "RecordFailure",
            "ArchiveFailedJob",
            "JobArchived"
        ]
    );
    let put = h.calls_to(PUT_EVENTS);
    assert_eq!(put.len(), 1);
    assert_eq!(
        put[0],
        json!({"Entries": [{
            "EventBusName": BUS,
            "Source": "jobs.workflow",
            "DetailType": "JobFailed",
            "Detail": {
                "id": "job-1",
                "parameters": {"n": 2},
                "processorError": {"Error": "JobError", "Cause": "boom"},
                "errorHandlerError": {"Error": "StoreError", "Cause": "table unavailable"},
                "executionId": "arn:aws:states:local:000000000000:execution:jobs:job-1"
            }
        }]})
    );
}

#[tokio::test(start_paused = true)]
async fn lambda_service_errors_are_retried_with_backoff() {
    let h = Arc::new(Scripted::new().on(
        PROCESSOR,
        vec![
            Outcome::Fail("Lambda.ServiceException", "try again"),
            Outcome::Fail("Lambda.TooManyRequestsException", "slow down"),
            done("ok"),
        ],
    ));
    let started = tokio::time::Instant::now();
    let r = Executor::new(machine(), h.clone()).run(spec()).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    assert_eq!(r.output.unwrap()["results"]["message"], "ok");
    assert_eq!(r.path, vec!["ProcessJob"]);
    let retries: Vec<u32> = h.calls.lock().unwrap().iter().map(|c| c.2).collect();
    assert_eq!(retries, [0, 1, 2]);
    // FULL jitter: each wait is at most 1 s then 2 s.
    assert!(started.elapsed() <= Duration::from_secs(3));
    let t = types(&r.history);
    assert_eq!(t.iter().filter(|x| *x == "TaskScheduled").count(), 3);
    assert_eq!(t.iter().filter(|x| *x == "TaskFailed").count(), 2);
}

#[tokio::test(start_paused = true)]
async fn retries_run_out_then_the_catch_takes_over() {
    let h = Arc::new(
        Scripted::new()
            .on(
                PROCESSOR,
                vec![Outcome::Fail("Lambda.ServiceException", "down"); 4],
            )
            .on(ERROR_HANDLER, vec![Outcome::Ok(json!({}))]),
    );
    let r = Executor::new(machine(), h.clone()).run(spec()).await;
    assert_eq!(h.calls_to(PROCESSOR).len(), 4, "1 attempt + MaxAttempts 3");
    assert_eq!(r.path, vec!["ProcessJob", "RecordFailure", "JobFailed"]);
    assert_eq!(
        h.calls_to(ERROR_HANDLER)[0]["Payload"]["processorError"]["Error"],
        "Lambda.ServiceException"
    );
}

#[tokio::test(start_paused = true)]
async fn a_processor_that_outlives_its_timeout_fails_with_states_timeout() {
    let h = Arc::new(
        Scripted::new()
            .on(
                PROCESSOR,
                vec![Outcome::After(
                    Duration::from_secs(600),
                    Box::new(done("late")),
                )],
            )
            .on(ERROR_HANDLER, vec![Outcome::Ok(json!({}))]),
    );
    let sink = Arc::new(Collect::default());
    let r = Executor::new(machine(), h.clone())
        .run(spec().with_sink(sink.clone()))
        .await;
    assert_eq!(r.path, vec!["ProcessJob", "RecordFailure", "JobFailed"]);
    assert_eq!(
        h.calls_to(ERROR_HANDLER)[0]["Payload"]["processorError"]["Error"],
        "States.Timeout"
    );
    let t = types(&r.history);
    assert!(t.contains(&"TaskTimedOut".to_owned()));
    // The sink saw the same events, in order, under the execution ARN.
    let seen = sink.0.lock().unwrap();
    assert_eq!(seen.len(), r.history.len());
    assert!(seen
        .iter()
        .zip(&r.history)
        .all(|((arn, a), b)| arn.ends_with(":job-1") && a == b));
}

#[tokio::test(start_paused = true)]
async fn the_whole_run_times_out_after_290_seconds() {
    // Each Lambda call takes just under its task timeout, so only the machine limit trips.
    let h = Arc::new(
        Scripted::new()
            .on(
                PROCESSOR,
                vec![Outcome::After(
                    Duration::from_secs(190),
                    Box::new(Outcome::Fail("JobError", "x")),
                )],
            )
            .on(
                ERROR_HANDLER,
                vec![Outcome::After(
                    Duration::from_secs(29),
                    Box::new(Outcome::Fail("E", "x")),
                )],
            )
            .on(
                PUT_EVENTS,
                vec![Outcome::After(Duration::from_secs(29), Box::new(Outcome::Fail("E", "x"))); 4],
            ),
    );
    let r = Executor::new(machine(), h).run(spec()).await;
    assert_eq!(r.status, ExecutionStatus::TimedOut);
    assert_eq!(r.error.as_deref(), Some("States.Timeout"));
    assert_eq!(types(&r.history).last().unwrap(), "ExecutionTimedOut");
}

#[tokio::test(start_paused = true)]
async fn resume_redrives_from_a_given_state() {
    let h = Arc::new(Scripted::new().on(ERROR_HANDLER, vec![Outcome::Ok(json!({}))]));
    let mut input = input();
    input["processorError"] = json!({"Error": "E", "Cause": "c"});
    let r = Executor::new(machine(), h.clone())
        .run(spec().with_resume(jobs_asl::Resume {
            state: "RecordFailure".into(),
            input,
            after_event_id: 7,
            wait: None,
            map_run_arn: None,
        }))
        .await;
    assert_eq!(r.path, vec!["RecordFailure", "JobFailed"]);
    assert!(h.calls_to(PROCESSOR).is_empty());
    assert_eq!(r.history[0].id, 8);
    assert_eq!(r.history[0].previous_event_id, 7);
    assert_eq!(format!("{:?}", r.history[0].event_type), "TaskStateEntered");
}

#[test]
fn the_definition_loads_without_substitutions_too() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../statemachine/jobs.asl.json"
    ))
    .unwrap();
    let m = StateMachine::from_json(&text).unwrap();
    assert_eq!(m.start_at(), "ProcessJob");
    assert_eq!(m.timeout(), Some(Duration::from_secs(290)));
}
