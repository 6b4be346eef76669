//! `replay` on AWS with mocked EventBridge: the exact StartReplay request,
//! following DescribeReplay to the end, Ctrl-C as CancelReplay, exit codes,
//! and what each error says.

mod aws_support;

use std::process::ExitCode;

use aws_sdk_eventbridge::operation::cancel_replay::CancelReplayOutput;
use aws_sdk_eventbridge::operation::describe_replay::DescribeReplayOutput;
use aws_sdk_eventbridge::operation::start_replay::StartReplayOutput;
use aws_sdk_eventbridge::primitives::DateTime as SdkTime;
use aws_sdk_eventbridge::types::ReplayState as SdkState;
use aws_sdk_eventbridge::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_support::*;
use chrono::{TimeZone, Utc};
use jobs_client::aws::AwsError;
use jobs_client::commands::replay::aws as replay;
use jobs_client::ReplayArgs;

fn args(name: Option<&str>) -> ReplayArgs {
    ReplayArgs {
        from: Some(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()),
        to: Some(Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()),
        name: name.map(str::to_owned),
        poll_interval_ms: 1,
    }
}

fn secs(at: chrono::DateTime<Utc>) -> SdkTime {
    SdkTime::from_millis(at.timestamp_millis())
}

/// DescribeReplay answers for `name`, one per call, in this order.
fn describes(name: &'static str, states: &[SdkState]) -> Rule {
    let mut sequence = mock!(Client::describe_replay)
        .match_requests(move |r| r.replay_name() == Some(name))
        .sequence();
    for state in states.iter().cloned() {
        sequence = sequence.output(move || {
            let done = matches!(
                state,
                SdkState::Completed | SdkState::Cancelled | SdkState::Failed
            );
            let mut out = DescribeReplayOutput::builder()
                .replay_name(name)
                .state(state.clone())
                .replay_start_time(secs(Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()))
                .event_last_replayed_time(secs(
                    Utc.with_ymd_and_hms(2026, 11, 25, 18, 43, 48).unwrap(),
                ));
            if done {
                out =
                    out.replay_end_time(secs(Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 7).unwrap()));
            }
            if state == SdkState::Failed {
                out = out.state_reason("Destination rule no longer exists.");
            }
            out.build()
        });
    }
    sequence.build()
}

fn started() -> Rule {
    mock!(Client::start_replay)
        .match_requests(|r| {
            let destination = r.destination().unwrap();
            r.replay_name() == Some("r1")
                && r.event_source_arn() == Some(ARCHIVE_ARN)
                && destination.arn() == BUS_ARN
                && destination.filter_arns() == [RULE_ARN]
                && r.event_start_time()
                    == Some(&secs(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()))
                && r.event_end_time()
                    == Some(&secs(Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()))
        })
        .then_output(|| {
            StartReplayOutput::builder()
                .replay_arn("arn:aws:events:eu-west-1:123456789012:replay/r1")
                .state(SdkState::Starting)
                .build()
        })
}

#[tokio::test]
async fn the_archive_goes_to_its_bus_filtered_to_the_replay_rule_and_is_followed_to_the_end() {
    let start = started();
    let describe = describes(
        "r1",
        &[
            SdkState::Starting,
            SdkState::Running,
            SdkState::Running,
            SdkState::Completed,
        ],
    );
    let deployed = Rules {
        events: vec![&start, &describe],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let never = std::future::pending::<()>();
    let code = replay::run(&deployed, args(Some("r1")), &mut c.output(), never)
        .await
        .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(
        start.num_calls(),
        1,
        "StartReplay with exactly those fields"
    );
    assert_eq!(describe.num_calls(), 4);
    let out = c.out();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Replay r1  COMPLETED", "{out}");
    assert_eq!(
        lines[1],
        "  window         events archived from 2026-11-25T00:00:00.000Z to 2026-11-26T00:00:00.000Z"
    );
    assert_eq!(
        lines[2],
        "  replay         started 2026-11-26T09:00:00.000Z  ended 2026-11-26T09:00:07.000Z"
    );
    assert_eq!(lines[3], "  last replayed  2026-11-25T18:43:48.000Z");
    assert!(
        lines[4].starts_with("EventBridge does not report how many events"),
        "{out}"
    );
    // Progress on stderr: the start, then one line per state.
    let err = c.err();
    assert!(
        err.starts_with("replay r1 started: events archived from 2026-11-25T00:00:00.000Z"),
        "{err}"
    );
    assert!(err.contains(RULE_ARN), "{err}");
    let states: Vec<&str> = err
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(states, ["STARTING", "RUNNING", "COMPLETED"], "{err}");
}

#[tokio::test]
async fn the_window_defaults_to_the_last_24_hours_and_the_name_to_the_time() {
    let before = Utc::now();
    let start = mock!(Client::start_replay)
        .match_requests(move |r| {
            let now = Utc::now();
            let from = r.event_start_time().unwrap().to_millis().unwrap();
            let to = r.event_end_time().unwrap().to_millis().unwrap();
            let day = chrono::Duration::hours(24);
            r.replay_name()
                .is_some_and(|n| n.starts_with("jobs-replay-20"))
                && (before - day).timestamp_millis() <= from
                && from <= (now - day).timestamp_millis()
                && before.timestamp_millis() <= to
                && to <= now.timestamp_millis()
        })
        .then_output(|| StartReplayOutput::builder().build());
    let describe = mock!(Client::describe_replay)
        .match_requests(|r| {
            r.replay_name()
                .is_some_and(|n| n.starts_with("jobs-replay-"))
        })
        .then_output(|| {
            DescribeReplayOutput::builder()
                .state(SdkState::Completed)
                .build()
        });
    let deployed = Rules {
        events: vec![&start, &describe],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let defaults = ReplayArgs {
        from: None,
        to: None,
        name: None,
        poll_interval_ms: 1,
    };
    let code = replay::run(&deployed, defaults, &mut c.output(), std::future::pending())
        .await
        .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(start.num_calls(), 1);
    assert!(c.out().starts_with("Replay jobs-replay-20"), "{}", c.out());
}

#[tokio::test]
async fn ctrl_c_cancels_the_replay_follows_it_to_cancelled_and_exits_1() {
    let start = started();
    let describe = describes(
        "r1",
        &[SdkState::Running, SdkState::Cancelling, SdkState::Cancelled],
    );
    let cancel = mock!(Client::cancel_replay)
        .match_requests(|r| r.replay_name() == Some("r1"))
        .then_output(|| {
            CancelReplayOutput::builder()
                .state(SdkState::Cancelling)
                .build()
        });
    let deployed = Rules {
        events: vec![&start, &describe, &cancel],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    // Ctrl-C already pressed: the first wait between polls cancels.
    let code = replay::run(
        &deployed,
        args(Some("r1")),
        &mut c.output(),
        std::future::ready(()),
    )
    .await
    .unwrap();
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(cancel.num_calls(), 1, "CancelReplay once, for r1");
    assert_eq!(describe.num_calls(), 3);
    assert!(c.out().starts_with("Replay r1  CANCELLED\n"), "{}", c.out());
    assert!(
        c.err().contains("cancelling replay r1 (CancelReplay)"),
        "{}",
        c.err()
    );
}

#[tokio::test]
async fn a_failed_replay_exits_1_and_shows_the_reason() {
    let start = started();
    let describe = describes("r1", &[SdkState::Running, SdkState::Failed]);
    let deployed = Rules {
        events: vec![&start, &describe],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let code = replay::run(
        &deployed,
        args(Some("r1")),
        &mut c.output(),
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!(code, ExitCode::FAILURE);
    let out = c.out();
    assert!(out.starts_with("Replay r1  FAILED\n"), "{out}");
    assert!(
        out.contains("  reason         Destination rule no longer exists.\n"),
        "{out}"
    );
}

async fn start_error(
    response: fn() -> aws_smithy_runtime_api::client::orchestrator::HttpResponse,
) -> AwsError {
    let start = mock!(Client::start_replay).then_http_response(response);
    let deployed = Rules {
        events: vec![&start],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let error = replay::run(
        &deployed,
        args(Some("r1")),
        &mut c.output(),
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert!(c.out().is_empty());
    error.downcast::<AwsError>().expect("an AWS error")
}

#[tokio::test]
async fn each_eventbridge_error_says_what_to_do() {
    let taken = start_error(|| {
        json_error(
            400,
            "ResourceAlreadyExistsException",
            "Replay r1 already exists.",
        )
    })
    .await
    .to_string();
    assert_eq!(
        taken,
        format!(
            "events:StartReplay on {ARCHIVE_ARN} failed: Replay r1 already exists.\n\
             hint: a replay named r1 exists already (EventBridge keeps replay names for 90 days): \
             pick another --name, or leave it out"
        )
    );
    let limit = start_error(|| {
        json_error(
            400,
            "LimitExceededException",
            "The requested resource exceeds the maximum number allowed.",
        )
    })
    .await
    .to_string();
    assert!(
        limit.contains("limited number of replays at a time"),
        "{limit}"
    );
    let denied = start_error(|| {
        json_error(
            400,
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: events:StartReplay",
        )
    })
    .await;
    let text = denied.to_string();
    assert!(
        text.starts_with("events:StartReplay on arn:aws:events:"),
        "{text}"
    );
    assert!(
        text.contains("is not authorized to perform: events:StartReplay"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "hint: your AWS credentials may not call events:StartReplay on {ARCHIVE_ARN}: add it \
             to their IAM policy (docs/deploy.md lists the policy a CLI user needs)"
        )),
        "{text}"
    );
    let gone = start_error(|| {
        json_error(
            400,
            "ResourceNotFoundException",
            "Archive JobsApi-failed-jobs does not exist.",
        )
    })
    .await
    .to_string();
    assert!(
        gone.contains("does not exist in this account and region"),
        "{gone}"
    );
}

#[tokio::test]
async fn a_stack_without_the_replay_outputs_says_to_deploy_again_and_calls_nothing() {
    let deployed = Rules::default().deployed_with(
        outputs()
            .into_iter()
            .filter(|(k, _)| k != "ReplayRuleArn")
            .collect(),
    );
    let mut c = Captured::default();
    let error = replay::run(
        &deployed,
        args(Some("r1")),
        &mut c.output(),
        std::future::pending(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        error.starts_with("stack JobsApi has no output ReplayRuleArn\n"),
        "{error}"
    );
    assert!(
        error.contains("deploy it again with scripts/deploy.sh"),
        "{error}"
    );
}

#[tokio::test]
async fn an_empty_window_is_refused_before_any_call() {
    let deployed = Rules::default().deployed();
    let mut backwards = args(Some("r1"));
    std::mem::swap(&mut backwards.from, &mut backwards.to);
    let mut c = Captured::default();
    let error = replay::run(
        &deployed,
        backwards,
        &mut c.output(),
        std::future::pending(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(error.contains("must be before --to"), "{error}");
}

#[tokio::test]
async fn ctrl_c_after_the_replay_ended_reports_how_it_ended() {
    let start = started();
    let describe = describes("r1", &[SdkState::Running, SdkState::Completed]);
    let too_late = mock!(Client::cancel_replay).then_http_response(|| {
        json_error(
            400,
            "IllegalStatusException",
            "Replay r1 is not in a state that can be cancelled.",
        )
    });
    let deployed = Rules {
        events: vec![&start, &describe, &too_late],
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let code = replay::run(
        &deployed,
        args(Some("r1")),
        &mut c.output(),
        std::future::ready(()),
    )
    .await
    .unwrap();
    assert_eq!(code, ExitCode::SUCCESS, "it completed: {}", c.err());
    assert_eq!(too_late.num_calls(), 1);
    assert!(
        c.err().contains(
            "could not cancel: events:CancelReplay on r1 failed: Replay r1 is not in a state \
             that can be cancelled. (IllegalStatusException)"
        ),
        "{}",
        c.err()
    );
    assert!(c.out().starts_with("Replay r1  COMPLETED\n"), "{}", c.out());
}
