//! `task success|failure|heartbeat` on AWS with mocked Step Functions: the
//! exact SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat requests, the
//! line printed once one is taken, and each refusal by its name.

mod aws_support;

use std::process::ExitCode;

use aws_sdk_sfn::operation::send_task_failure::SendTaskFailureOutput;
use aws_sdk_sfn::operation::send_task_heartbeat::SendTaskHeartbeatOutput;
use aws_sdk_sfn::operation::send_task_success::SendTaskSuccessOutput;
use aws_sdk_sfn::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_support::*;
use jobs_client::aws::AwsError;
use jobs_client::commands::task::{aws as task, Refusal, TaskError};
use jobs_client::{TaskCommand, TaskFailureArgs, TaskSuccessArgs};

/// A task token as Step Functions hands them on: long and opaque.
const TOKEN: &str = "AQCEAAAAKgAAAAMAAAAAAAAAAQ7Hk9rX2mZ3m0bFzkYtW8y1s0fQ4cJv+token/of/a/task==";

fn success(output: &str) -> TaskCommand {
    TaskCommand::Success(TaskSuccessArgs {
        token: TOKEN.to_owned(),
        output: Some(output.to_owned()),
        output_file: None,
    })
}

fn heartbeat() -> TaskCommand {
    TaskCommand::Heartbeat {
        token: TOKEN.to_owned(),
    }
}

fn failure(error: Option<&str>, cause: Option<&str>) -> TaskCommand {
    TaskCommand::Failure(TaskFailureArgs {
        token: TOKEN.to_owned(),
        error: error.map(str::to_owned),
        cause: cause.map(str::to_owned),
    })
}

/// Runs `command` with Step Functions answering by `rules`.
async fn run(rules: &[&Rule], command: TaskCommand) -> (anyhow::Result<ExitCode>, Captured) {
    let deployed = Rules {
        sfn: rules.to_vec(),
        ..Rules::default()
    }
    .deployed();
    let mut c = Captured::default();
    let result = task::run(&deployed, command, &mut c.output()).await;
    (result, c)
}

fn refused(result: anyhow::Result<ExitCode>) -> TaskError {
    result
        .expect_err("the answer should be refused")
        .downcast::<TaskError>()
        .expect("a refusal by name")
}

#[tokio::test]
async fn success_sends_the_token_and_the_output_as_given() {
    // Sent as written, spaces and all: the CLI checks the JSON, it does not
    // rewrite it.
    let output = r#"{"approved": true, "by": "ana"}"#;
    let sent = mock!(Client::send_task_success)
        .match_requests(move |r| r.task_token() == Some(TOKEN) && r.output() == Some(output))
        .then_output(|| SendTaskSuccessOutput::builder().build());
    let (result, c) = run(&[&sent], success(output)).await;
    assert_eq!(result.unwrap(), ExitCode::SUCCESS);
    assert_eq!(
        sent.num_calls(),
        1,
        "SendTaskSuccess with the token and output"
    );
    assert_eq!(
        c.out(),
        "task succeeded: its execution goes on with this output\n"
    );
}

#[tokio::test]
async fn success_sends_the_output_read_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.json");
    let text = serde_json::json!({"notes": vec!["fine"; 3000]}).to_string() + "\n";
    std::fs::write(&path, &text).unwrap();
    let expected = text.clone();
    let sent = mock!(Client::send_task_success)
        .match_requests(move |r| r.output() == Some(expected.as_str()))
        .then_output(|| SendTaskSuccessOutput::builder().build());
    let command = TaskCommand::Success(TaskSuccessArgs {
        token: TOKEN.to_owned(),
        output: None,
        output_file: Some(path),
    });
    let (result, _) = run(&[&sent], command).await;
    assert_eq!(result.unwrap(), ExitCode::SUCCESS);
    assert_eq!(sent.num_calls(), 1);
}

#[tokio::test]
async fn an_output_that_is_not_json_is_never_sent() {
    let sent =
        mock!(Client::send_task_success).then_output(|| SendTaskSuccessOutput::builder().build());
    let (result, c) = run(&[&sent], success("approved")).await;
    let text = format!("{:#}", result.unwrap_err());
    assert!(text.starts_with("--output is not JSON ("), "{text}");
    assert!(text.contains("InvalidOutput"), "{text}");
    assert_eq!(sent.num_calls(), 0);
    assert_eq!(c.out(), "");
}

#[tokio::test]
async fn failure_sends_the_error_and_cause_or_neither() {
    let with = mock!(Client::send_task_failure)
        .match_requests(|r| {
            r.task_token() == Some(TOKEN)
                && r.error() == Some("Rejected")
                && r.cause() == Some("the reviewer said no")
        })
        .then_output(|| SendTaskFailureOutput::builder().build());
    let (result, c) = run(
        &[&with],
        failure(Some("Rejected"), Some("the reviewer said no")),
    )
    .await;
    assert_eq!(result.unwrap(), ExitCode::SUCCESS);
    assert_eq!(with.num_calls(), 1, "SendTaskFailure with error and cause");
    assert_eq!(
        c.out(),
        "task failed with error Rejected: its Retry or Catch takes it from here, else its \
         execution fails\n"
    );

    let bare = mock!(Client::send_task_failure)
        .match_requests(|r| {
            r.task_token() == Some(TOKEN) && r.error().is_none() && r.cause().is_none()
        })
        .then_output(|| SendTaskFailureOutput::builder().build());
    let (result, c) = run(&[&bare], failure(None, None)).await;
    assert_eq!(result.unwrap(), ExitCode::SUCCESS);
    assert_eq!(bare.num_calls(), 1, "SendTaskFailure with the token alone");
    assert!(
        c.out().starts_with("task failed (no error name): "),
        "{}",
        c.out()
    );
}

#[tokio::test]
async fn heartbeat_sends_the_token() {
    let sent = mock!(Client::send_task_heartbeat)
        .match_requests(|r| r.task_token() == Some(TOKEN))
        .then_output(|| SendTaskHeartbeatOutput::builder().build());
    let (result, c) = run(&[&sent], heartbeat()).await;
    assert_eq!(result.unwrap(), ExitCode::SUCCESS);
    assert_eq!(sent.num_calls(), 1);
    assert_eq!(
        c.out(),
        "heartbeat sent: the task's HeartbeatSeconds count again from now\n"
    );
}

#[tokio::test]
async fn the_tasks_own_errors_are_reported_by_name_with_what_to_do() {
    let timed_out = mock!(Client::send_task_success).then_http_response(|| {
        json_error(
            400,
            "TaskTimedOut",
            "Task Timed Out: 'Provided task has timed out'",
        )
    });
    let refusal = refused(run(&[&timed_out], success("{}")).await.0);
    assert_eq!(refusal.refusal, Refusal::TaskTimedOut);
    assert_eq!(refusal.action, "SendTaskSuccess");
    let text = refusal.to_string();
    assert!(
        text.starts_with(
            "SendTaskSuccess refused: TaskTimedOut: Task Timed Out: 'Provided task has timed out'"
        ),
        "{text}"
    );
    assert!(text.contains("`jobs history JOB_ID`"), "{text}");

    let invalid = mock!(Client::send_task_heartbeat)
        .then_http_response(|| json_error(400, "InvalidToken", "Invalid Token: 'Invalid token'"));
    let refusal = refused(run(&[&invalid], heartbeat()).await.0);
    assert_eq!(refusal.refusal, Refusal::InvalidToken);
    let text = refusal.to_string();
    assert!(
        text.starts_with("SendTaskHeartbeat refused: InvalidToken: "),
        "{text}"
    );
    assert!(text.contains("--region"), "{text}");

    let gone = mock!(Client::send_task_failure)
        .then_http_response(|| json_error(400, "TaskDoesNotExist", "Task does not exist"));
    let refusal = refused(run(&[&gone], failure(Some("Rejected"), None)).await.0);
    assert_eq!(refusal.refusal, Refusal::TaskDoesNotExist);
    assert!(
        refusal
            .to_string()
            .starts_with("SendTaskFailure refused: TaskDoesNotExist: Task does not exist"),
        "{refusal}"
    );

    let bad_output = mock!(Client::send_task_success)
        .then_http_response(|| json_error(400, "InvalidOutput", "Invalid Output"));
    let refusal = refused(run(&[&bad_output], success("{}")).await.0);
    assert_eq!(refusal.refusal, Refusal::InvalidOutput);
}

#[tokio::test]
async fn other_failures_name_the_iam_action() {
    let denied = mock!(Client::send_task_success).then_http_response(|| {
        json_error(
            400,
            "AccessDeniedException",
            "User is not authorized to perform: states:SendTaskSuccess",
        )
    });
    let (result, _) = run(&[&denied], success("{}")).await;
    let error = result
        .unwrap_err()
        .downcast::<AwsError>()
        .expect("an AWS error");
    let text = error.to_string();
    assert!(
        text.starts_with("states:SendTaskSuccess on the task of this token failed: "),
        "{text}"
    );
    assert!(text.contains("add it to their IAM policy"), "{text}");
}
