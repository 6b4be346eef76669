//! `archive` (DescribeArchive) and `history` (the workflow's log group) on
//! AWS with mocked clients, and what their errors say.

mod aws_support;

use std::process::ExitCode;

use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
use aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsOutput;
use aws_sdk_cloudwatchlogs::types::{FilteredLogEvent, LogGroup};
use aws_sdk_eventbridge::operation::describe_archive::DescribeArchiveOutput;
use aws_sdk_eventbridge::primitives::DateTime as SdkTime;
use aws_sdk_eventbridge::types::ArchiveState;
use aws_sdk_sfn::types::StateMachineType;
use aws_smithy_mocks::{mock, Rule};
use aws_support::*;
use jobs_client::aws::errors::AwsErrorKind;
use jobs_client::aws::AwsError;
use jobs_client::{run_with, ClientCommand, Home, Target};
use serde_json::Value;

const JOB: &str = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";
const LOGS: &str = include_str!("fixtures/express_logs.json");

fn archive_rule() -> Rule {
    mock!(aws_sdk_eventbridge::Client::describe_archive)
        .match_requests(|r| r.archive_name() == Some(ARCHIVE_NAME))
        .then_output(|| {
            DescribeArchiveOutput::builder()
                .archive_name(ARCHIVE_NAME)
                .archive_arn(ARCHIVE_ARN)
                .event_source_arn(BUS_ARN)
                .state(ArchiveState::Enabled)
                .event_count(3)
                .size_bytes(4_812)
                .retention_days(90)
                .creation_time(SdkTime::from_secs(1_795_608_000))
                .build()
        })
}

#[tokio::test]
async fn archive_shows_state_count_size_retention_and_that_events_cannot_be_listed() {
    let describe = archive_rule();
    let deployed = Rules {
        events: vec![&describe],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let code = jobs_client::commands::archive::aws::run(&deployed, false, &mut c.output())
        .await
        .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(describe.num_calls(), 1);
    assert_eq!(
        c.out(),
        format!(
            "Archive JobsApi-failed-jobs  ENABLED\n  events     3\n  size       4.7 KiB (4812 bytes)\n  \
             retention  90 days\n  created    2026-11-25T12:00:00.000Z\n  bus        {BUS_ARN}\n  \
             arn        {ARCHIVE_ARN}\n{}\n",
            jobs_client::commands::archive::aws::NOT_LISTED
        )
    );
    let mut c = Captured::default();
    jobs_client::commands::archive::aws::run(&deployed, true, &mut c.output())
        .await
        .unwrap();
    let json: Value = serde_json::from_str(&c.out()).unwrap();
    assert_eq!(json["EventCount"], 3);
    assert_eq!(json["RetentionDays"], 90);
    assert_eq!(json["State"], "ENABLED");
    assert!(c
        .err()
        .starts_with("EventBridge does not list archived events"));
}

#[tokio::test]
async fn archive_on_aws_refuses_a_window_it_cannot_apply() {
    let deployed = Rules::default().deployed();
    let target = Target {
        api: jobs_client::ApiClient::new(
            jobs_client::Endpoint::parse(API).unwrap(),
            REGION.into(),
            caller().credentials,
        )
        .unwrap(),
        home: Home::Stack(Box::new(deployed)),
    };
    let mut c = Captured::default();
    let err = run_with(
        &target,
        ClientCommand::Archive {
            from: Some(chrono::Utc::now()),
            to: None,
            json: false,
        },
        &mut c.output(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("EventBridge cannot list archived events"),
        "{err}"
    );
}

fn log_messages() -> Vec<Value> {
    serde_json::from_str(LOGS).unwrap()
}

fn events(messages: Vec<Value>) -> Vec<FilteredLogEvent> {
    messages
        .into_iter()
        .map(|m| FilteredLogEvent::builder().message(m.to_string()).build())
        .collect()
}

const FIRST_ARN: &str = "arn:aws:states:eu-west-1:123456789012:express:WorkflowStateMachineA1B2C3D4:3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f:0d6c2c5e-6f63-4c4e-9b0e-2f1f7f0a9e11";
const REPLAY_ARN: &str = "arn:aws:states:eu-west-1:123456789012:express:WorkflowStateMachineA1B2C3D4:b8f04a52-77e1-4d0c-8d43-5c1e9a7f2b60:c93e1f0a-2b4d-4e8f-a6c7-1d2e3f4a5b6c";

/// The log service as it answers the two reads of `history`: the events that
/// contain the job id (in two pages), then all of the replay's execution.
fn log_rules() -> (Rule, Rule, Rule) {
    let groups = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups)
        .match_requests(|r| r.log_group_name_prefix() == Some(LOG_GROUP))
        .then_output(|| {
            DescribeLogGroupsOutput::builder()
                .log_groups(
                    LogGroup::builder()
                        .log_group_name(format!("{LOG_GROUP}-old"))
                        .build(),
                )
                .log_groups(
                    LogGroup::builder()
                        .log_group_name(LOG_GROUP)
                        .retention_in_days(30)
                        .build(),
                )
                .build()
        });
    let by_job = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .match_requests(|r| {
            r.log_group_name() == Some(LOG_GROUP)
                && r.filter_pattern() == Some(&format!("\"{JOB}\""))
        })
        .then_compute_output(|r| {
            // What contains the id: the first execution whole, part of the
            // replay's, and (for the filter to show its worth) another job's.
            let matching: Vec<Value> = log_messages()
                .into_iter()
                .filter(|m| {
                    m.to_string().contains(JOB)
                        || m["execution_arn"].as_str().unwrap().contains("9a8b7c6d")
                })
                .collect();
            let (first, second) = matching.split_at(10);
            match r.next_token() {
                None => FilterLogEventsOutput::builder()
                    .set_events(Some(events(first.to_vec())))
                    .next_token("page-2")
                    .build(),
                Some("page-2") => FilterLogEventsOutput::builder()
                    .set_events(Some(events(second.to_vec())))
                    .build(),
                Some(other) => panic!("unexpected token {other}"),
            }
        });
    let by_replay = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .match_requests(|r| {
            r.log_group_name() == Some(LOG_GROUP)
                && r.filter_pattern() == Some(&format!("\"{REPLAY_ARN}\""))
        })
        .then_output(|| {
            let replay: Vec<Value> = log_messages()
                .into_iter()
                .filter(|m| m["execution_arn"] == REPLAY_ARN)
                .collect();
            FilterLogEventsOutput::builder()
                .set_events(Some(events(replay)))
                .build()
        });
    (groups, by_job, by_replay)
}

#[tokio::test]
async fn history_reads_the_jobs_executions_from_the_log_group_as_a_timeline() {
    let (groups, by_job, by_replay) = log_rules();
    let express = state_machine(StateMachineType::Express);
    let deployed = Rules {
        logs: vec![&groups, &by_job, &by_replay],
        sfn: vec![&express],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let code = jobs_client::commands::history::aws::run(
        &deployed,
        JOB.parse().unwrap(),
        false,
        &mut c.output(),
    )
    .await
    .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(groups.num_calls(), 1);
    assert_eq!(by_job.num_calls(), 2, "both pages");
    assert_eq!(by_replay.num_calls(), 1);
    let out = c.out();
    let has = |line: &str| assert!(out.lines().any(|l| l == line), "no line {line:?} in\n{out}");
    has(&format!("Execution {JOB}  FAILED"));
    has("  started 2026-11-25T12:00:00.000Z  stopped 2026-11-25T12:00:00.868Z  (0.868s)");
    has("  error   JobArchived: The job failed and its failure could not be recorded; it was sent to the failed-jobs archive and can be replayed.");
    has("     +0.412s  TaskFailed        ProcessJob  JobStoreUnavailable: the job store is unavailable: Throughput exceeds the current capacity of your table");
    has("     +0.866s  TaskSucceeded     ArchiveFailedJob");
    has("Execution b8f04a52-77e1-4d0c-8d43-5c1e9a7f2b60  SUCCEEDED");
    has("  replay  jobs-replay-20261125T130000Z");
    // Only the second read has these: they do not contain the job id.
    has("     +0.027s  TaskStarted         ProcessJob");
    has("     +1.108s  ExecutionSucceeded");
    assert!(!out.contains("9a8b7c6d"), "another job's execution: {out}");
    assert_eq!(
        out.matches("\nExecution ").count(),
        1,
        "two executions: {out}"
    );
    assert_eq!(
        c.err(),
        format!(
            "from the log group {LOG_GROUP}, which keeps events 30 days: older executions are gone\n\
             console: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1\
             #/express-executions/details/{FIRST_ARN}?startDate=1795608000000\n\
             console: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1\
             #/express-executions/details/{REPLAY_ARN}?startDate=1795611605000\n"
        )
    );
}

#[tokio::test]
async fn history_json_gives_each_raw_log_event_once() {
    let (groups, by_job, by_replay) = log_rules();
    let express = state_machine(StateMachineType::Express);
    let deployed = Rules {
        logs: vec![&groups, &by_job, &by_replay],
        sfn: vec![&express],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    jobs_client::commands::history::aws::run(
        &deployed,
        JOB.parse().unwrap(),
        true,
        &mut c.output(),
    )
    .await
    .unwrap();
    let raw: Value = serde_json::from_str(&c.out()).unwrap();
    assert_eq!(raw["logGroupName"], LOG_GROUP);
    assert_eq!(raw["retentionInDays"], 30);
    let events = raw["events"].as_array().unwrap();
    assert_eq!(events.len(), 18 + 7, "both executions, each event once");
    assert!(
        events.iter().all(|e| e["event_timestamp"].is_string()),
        "as logged"
    );
}

#[tokio::test]
async fn history_of_a_job_without_logs_says_how_far_back_the_logs_go() {
    let express = state_machine(StateMachineType::Express);
    let groups = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups).then_output(|| {
        DescribeLogGroupsOutput::builder()
            .log_groups(LogGroup::builder().log_group_name(LOG_GROUP).build())
            .build()
    });
    let nothing = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events)
        .then_output(|| FilterLogEventsOutput::builder().build());
    let deployed = Rules {
        logs: vec![&groups, &nothing],
        sfn: vec![&express],
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
            "no executions of job {JOB} in the log group {LOG_GROUP}, which keeps events for ever \
             (no retention set): check the id with `jobs get {JOB}`"
        )
    );
}

#[tokio::test]
async fn logs_errors_say_what_to_do() {
    let express = state_machine(StateMachineType::Express);
    let groups =
        mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups).then_http_response(|| {
            json_error(
                400,
                "ExpiredTokenException",
                "The security token included in the request is expired",
            )
        });
    let deployed = Rules {
        logs: vec![&groups],
        sfn: vec![&express],
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
    .downcast::<AwsError>()
    .unwrap();
    assert_eq!(err.kind, AwsErrorKind::BadCredentials);
    assert!(err.to_string().starts_with(&format!(
        "logs:DescribeLogGroups on {LOG_GROUP} failed: The security token included in the request is expired"
    )));
    assert!(err.to_string().contains("aws sso login"), "{err}");

    let no_group = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups)
        .then_output(|| DescribeLogGroupsOutput::builder().build());
    let deployed = Rules {
        logs: vec![&no_group],
        sfn: vec![&express],
        ..Rules::default()
    }
    .deployed();
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
            "the workflow's log group {LOG_GROUP} does not exist"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_says_to_retry_later() {
    let throttled = mock!(aws_sdk_eventbridge::Client::describe_archive)
        .sequence()
        .http_response(|| json_error(400, "ThrottlingException", "Rate exceeded"))
        .repeatedly()
        .build();
    let deployed = Rules {
        events: vec![&throttled],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let err = jobs_client::commands::archive::aws::run(&deployed, false, &mut c.output())
        .await
        .unwrap_err()
        .downcast::<AwsError>()
        .unwrap();
    assert_eq!(err.kind, AwsErrorKind::Throttled);
    assert_eq!(
        err.to_string(),
        format!(
            "events:DescribeArchive on {ARCHIVE_NAME} failed: Rate exceeded\n\
             hint: AWS is throttling these calls: retry in a moment"
        )
    );
    assert!(throttled.num_calls() >= 1);
}
