//! `history` on a STANDARD state machine, with mocked clients: the job's
//! executions come from GetExecutionHistory (every page), the re-drives are
//! found by name, the replays through the log group, and the console links
//! open each execution's page by its ARN, which carries the job id.

mod aws_support;

use std::process::ExitCode;

use aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsOutput;
use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;
use aws_sdk_sfn::operation::get_execution_history::GetExecutionHistoryOutput;
use aws_sdk_sfn::types::{
    ExecutionFailedEventDetails, ExecutionStartedEventDetails, ExecutionSucceededEventDetails,
    HistoryEvent, HistoryEventType, StateEnteredEventDetails, StateExitedEventDetails,
    StateMachineType, TaskFailedEventDetails, TaskScheduledEventDetails,
};
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::DateTime;
use aws_support::*;
use serde_json::{json, Value};

const JOB: &str = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";
const OTHER_JOB: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const EXECUTIONS: &str =
    "arn:aws:states:eu-west-1:123456789012:execution:WorkflowStateMachineA1B2C3D4";
const REPLAY_NAME: &str = "b8f04a52-77e1-4d0c-8d43-5c1e9a7f2b60";
const OTHER_REPLAY_NAME: &str = "c0ffee00-1111-4222-8333-444455556666";
/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;

fn arn(name: &str) -> String {
    format!("{EXECUTIONS}:{name}")
}

fn event(
    id: i64,
    at_ms: i64,
    kind: HistoryEventType,
) -> aws_sdk_sfn::types::builders::HistoryEventBuilder {
    HistoryEvent::builder()
        .id(id)
        .previous_event_id(id - 1)
        .timestamp(DateTime::from_millis(T0 + at_ms))
        .r#type(kind)
}

fn started(id: i64, at_ms: i64, input: Value) -> HistoryEvent {
    event(id, at_ms, HistoryEventType::ExecutionStarted)
        .execution_started_event_details(
            ExecutionStartedEventDetails::builder()
                .input(input.to_string())
                .build(),
        )
        .build()
        .unwrap()
}

fn entered(id: i64, at_ms: i64, state: &str) -> HistoryEvent {
    event(id, at_ms, HistoryEventType::TaskStateEntered)
        .state_entered_event_details(
            StateEnteredEventDetails::builder()
                .name(state)
                .input("{}")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn exited(id: i64, at_ms: i64, state: &str) -> HistoryEvent {
    event(id, at_ms, HistoryEventType::TaskStateExited)
        .state_exited_event_details(
            StateExitedEventDetails::builder()
                .name(state)
                .output("{}")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn scheduled(id: i64, at_ms: i64) -> HistoryEvent {
    event(id, at_ms, HistoryEventType::TaskScheduled)
        .task_scheduled_event_details(
            TaskScheduledEventDetails::builder()
                .resource_type("lambda")
                .resource("invoke")
                .region("eu-west-1")
                .parameters("{}")
                .timeout_in_seconds(200)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn succeeded(id: i64, at_ms: i64) -> HistoryEvent {
    event(id, at_ms, HistoryEventType::ExecutionSucceeded)
        .execution_succeeded_event_details(
            ExecutionSucceededEventDetails::builder()
                .output("{}")
                .build(),
        )
        .build()
        .unwrap()
}

fn input(job: &str) -> Value {
    json!({"id": job, "parameters": {"text": "hello"}})
}

/// The execution the API started: its failure, over two pages.
fn first_pages() -> (Vec<HistoryEvent>, Vec<HistoryEvent>) {
    let page_1 = vec![
        started(1, 0, input(JOB)),
        entered(2, 10, "ProcessJob"),
        scheduled(3, 11),
        event(4, 400, HistoryEventType::TaskFailed)
            .task_failed_event_details(
                TaskFailedEventDetails::builder()
                    .resource_type("lambda")
                    .resource("invoke")
                    .error("JobStoreUnavailable")
                    .cause("the job store is unavailable")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap(),
    ];
    let page_2 = vec![
        exited(5, 401, "ProcessJob"),
        event(6, 402, HistoryEventType::ExecutionFailed)
            .execution_failed_event_details(
                ExecutionFailedEventDetails::builder()
                    .error("JobArchived")
                    .cause("sent to the failed-jobs archive")
                    .build(),
            )
            .build()
            .unwrap(),
    ];
    (page_1, page_2)
}

fn ok(events: Vec<HistoryEvent>, next: Option<&str>) -> GetExecutionHistoryOutput {
    GetExecutionHistoryOutput::builder()
        .set_events(Some(events))
        .set_next_token(next.map(str::to_owned))
        .build()
        .unwrap()
}

fn does_not_exist(name: &str) -> Rule {
    let target = arn(name);
    mock!(aws_sdk_sfn::Client::get_execution_history)
        .match_requests(move |r| r.execution_arn() == Some(target.as_str()))
        .then_http_response(|| json_error(400, "ExecutionDoesNotExist", "Execution Does Not Exist"))
}

/// A log event as a STANDARD state machine logs it.
fn logged(execution: &str, id: u64, kind: &str, details: Value) -> FilteredLogEvent {
    let message = json!({
        "id": id.to_string(),
        "previous_event_id": (id - 1).to_string(),
        "event_timestamp": (T0 + 3_600_000).to_string(),
        "type": kind,
        "execution_arn": arn(execution),
        "details": details,
    });
    FilteredLogEvent::builder()
        .message(message.to_string())
        .build()
}

/// The log events that contain the job id: one of the execution named with
/// it, the start of its replay, and the start of another job's replay whose
/// parameters happen to quote the id.
fn by_job_in_logs() -> Rule {
    mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .match_requests(|r| {
            r.log_group_name() == Some(LOG_GROUP)
                && r.filter_pattern() == Some(&format!("\"{JOB}\""))
        })
        .then_output(|| {
            let mut replay = input(JOB);
            replay["replay"] = json!({"name": "jobs-replay-20261125T130000Z"});
            let mut other = input(OTHER_JOB);
            other["parameters"]["text"] = json!(format!("about {JOB}"));
            FilterLogEventsOutput::builder()
                .events(logged(
                    JOB,
                    2,
                    "TaskStateEntered",
                    json!({"name": "ProcessJob"}),
                ))
                .events(logged(
                    REPLAY_NAME,
                    1,
                    "ExecutionStarted",
                    json!({"input": replay.to_string()}),
                ))
                .events(logged(
                    OTHER_REPLAY_NAME,
                    1,
                    "ExecutionStarted",
                    json!({"input": other.to_string()}),
                ))
                .build()
        })
}

struct Standard {
    machine: Rule,
    first: Rule,
    redrive_1: Rule,
    redrive_2: Rule,
    replay: Rule,
    logs: Rule,
}

fn standard() -> Standard {
    let first = mock!(aws_sdk_sfn::Client::get_execution_history)
        .match_requests(|r| r.execution_arn() == Some(&arn(JOB)))
        .then_compute_output(|r| {
            assert_eq!(r.include_execution_data(), Some(true));
            let (page_1, page_2) = first_pages();
            match r.next_token() {
                None => ok(page_1, Some("page-2")),
                Some("page-2") => ok(page_2, None),
                Some(other) => panic!("unexpected token {other}"),
            }
        });
    let redrive_1 = mock!(aws_sdk_sfn::Client::get_execution_history)
        .match_requests(|r| r.execution_arn() == Some(&arn(&format!("{JOB}-redrive-1"))))
        .then_output(|| {
            let mut redriven = input(JOB);
            redriven["redrive"] = json!(1);
            ok(
                vec![started(1, 1_000_000, redriven), succeeded(2, 1_003_500)],
                None,
            )
        });
    let replay = mock!(aws_sdk_sfn::Client::get_execution_history)
        .match_requests(|r| r.execution_arn() == Some(&arn(REPLAY_NAME)))
        .then_output(|| {
            let mut replayed = input(JOB);
            replayed["replay"] = json!({"name": "jobs-replay-20261125T130000Z"});
            ok(
                vec![started(1, 3_600_000, replayed), succeeded(2, 3_601_108)],
                None,
            )
        });
    Standard {
        machine: state_machine(StateMachineType::Standard),
        first,
        redrive_1,
        redrive_2: does_not_exist(&format!("{JOB}-redrive-2")),
        replay,
        logs: by_job_in_logs(),
    }
}

impl Standard {
    fn deployed(&self) -> jobs_client::aws::Deployed {
        Rules {
            sfn: vec![
                &self.machine,
                &self.first,
                &self.redrive_1,
                &self.redrive_2,
                &self.replay,
            ],
            logs: vec![&self.logs],
            ..Rules::default()
        }
        .deployed()
    }
}

#[tokio::test]
async fn history_on_standard_reads_every_page_of_each_execution_of_the_job() {
    let s = standard();
    let mut c = Captured::default();
    let code = jobs_client::commands::history::aws::run(
        &s.deployed(),
        JOB.parse().unwrap(),
        false,
        &mut c.output(),
    )
    .await
    .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(s.machine.num_calls(), 1);
    assert_eq!(s.first.num_calls(), 2, "both pages");
    assert_eq!(s.redrive_1.num_calls(), 1);
    assert_eq!(
        s.redrive_2.num_calls(),
        1,
        "the first missing re-drive ends the search"
    );
    assert_eq!(s.replay.num_calls(), 1);
    assert_eq!(s.logs.num_calls(), 1);
    let out = c.out();
    let has = |line: &str| assert!(out.lines().any(|l| l == line), "no line {line:?} in\n{out}");
    has(&format!("Execution {JOB}  FAILED"));
    has("  started 2026-11-25T12:00:00.000Z  stopped 2026-11-25T12:00:00.402Z  (0.402s)");
    has("  error   JobArchived: sent to the failed-jobs archive");
    // On the second page only.
    has("     +0.401s  TaskStateExited   ProcessJob");
    has(&format!("Execution {JOB}-redrive-1  SUCCEEDED"));
    has(&format!("Execution {REPLAY_NAME}  SUCCEEDED"));
    has("  replay  jobs-replay-20261125T130000Z");
    assert!(
        out.contains("TaskFailed")
            && out.contains("JobStoreUnavailable: the job store is unavailable"),
        "{out}"
    );
    assert!(
        !out.contains(OTHER_REPLAY_NAME),
        "another job's replay: {out}"
    );
    assert_eq!(out.matches("Execution ").count(), 3, "{out}");
    // Oldest first: the first run, its re-drive, then the replay.
    let at = |name: &str| out.find(&format!("Execution {name} ")).unwrap();
    assert!(at(JOB) < at(&format!("{JOB}-redrive-1")));
    assert!(at(&format!("{JOB}-redrive-1")) < at(REPLAY_NAME));

    let err = c.err();
    assert!(
        err.starts_with("from GetExecutionHistory of the STANDARD state machine"),
        "{err}"
    );
    let home = "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1";
    for name in [
        JOB.to_owned(),
        format!("{JOB}-redrive-1"),
        REPLAY_NAME.to_owned(),
    ] {
        let link = format!("console: {home}#/v2/executions/details/{}", arn(&name));
        assert!(err.lines().any(|l| l == link), "no {link} in\n{err}");
    }
}

#[tokio::test]
async fn history_json_on_standard_gives_the_events_as_get_execution_history_shapes_them() {
    let s = standard();
    let mut c = Captured::default();
    jobs_client::commands::history::aws::run(
        &s.deployed(),
        JOB.parse().unwrap(),
        true,
        &mut c.output(),
    )
    .await
    .unwrap();
    let raw: Value = serde_json::from_str(&c.out()).unwrap();
    assert_eq!(raw["stateMachineArn"], STATE_MACHINE);
    assert_eq!(raw["type"], "STANDARD");
    let executions = raw["executions"].as_array().unwrap();
    assert_eq!(executions.len(), 3);
    assert_eq!(executions[0]["executionArn"], arn(JOB));
    let events = executions[0]["events"].as_array().unwrap();
    assert_eq!(events.len(), 6, "both pages, each event once");
    assert_eq!(events[1]["type"], "TaskStateEntered");
    assert_eq!(events[1]["stateEnteredEventDetails"]["name"], "ProcessJob");
    assert_eq!(
        events[2]["taskScheduledEventDetails"]["timeoutInSeconds"],
        200
    );
    assert_eq!(
        events[3]["taskFailedEventDetails"]["error"],
        "JobStoreUnavailable"
    );
    assert_eq!(events[3]["timestamp"], 1_795_608_000.4);
    assert_eq!(events[5]["previousEventId"], 5);
}

#[tokio::test]
async fn a_job_without_executions_on_standard_says_how_long_histories_are_kept() {
    let machine = state_machine(StateMachineType::Standard);
    let first = does_not_exist(JOB);
    let redrive_1 = does_not_exist(&format!("{JOB}-redrive-1"));
    let nothing = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .then_output(|| FilterLogEventsOutput::builder().build());
    let deployed = Rules {
        sfn: vec![&machine, &first, &redrive_1],
        logs: vec![&nothing],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let err = jobs_client::commands::history::aws::run(
        &deployed,
        JOB.parse().unwrap(),
        false,
        &mut c.output(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        format!(
            "no executions of job {JOB} in the STANDARD state machine {STATE_MACHINE}: Step \
             Functions keeps an execution's history 90 days after it ends; check the id with \
             `jobs get {JOB}`"
        )
    );
    assert_eq!(redrive_1.num_calls(), 1);
}

#[tokio::test]
async fn a_refused_describe_says_which_permission_is_missing() {
    let denied = mock!(aws_sdk_sfn::Client::describe_state_machine).then_http_response(|| {
        json_error(
            400,
            "AccessDeniedException",
            "User is not authorized to perform: states:DescribeStateMachine",
        )
    });
    let deployed = Rules {
        sfn: vec![&denied],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let err = jobs_client::commands::history::aws::run(
        &deployed,
        JOB.parse().unwrap(),
        false,
        &mut c.output(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(&format!(
            "states:DescribeStateMachine on {STATE_MACHINE} failed"
        )),
        "{err}"
    );
    assert!(err.contains("add it to their IAM policy"), "{err}");
}
