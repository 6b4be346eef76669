//! `task success|failure|heartbeat` against the real local stack: a STANDARD
//! workflow whose Approve step (an SNS publish answered by the mock file)
//! waits for its task token, answered by the CLI's own code; and the
//! refusals, each by the name Step Functions gives it.

mod local_support;

use std::process::ExitCode;
use std::time::Duration;

use jobs_client::commands::task::{Refusal, TaskError};
use jobs_client::{ClientCommand, Target, TaskCommand, TaskFailureArgs, TaskSuccessArgs};
use jobs_local::config::Mocks;
use jobs_local::Config;
use local_support::*;
use serde_json::{json, Value};

/// A stack running the approval fixture of the local stack's tests: the job, a Lambda step
/// of its own run in-process (the example notify function, declared in the fixture's
/// manifest), a mocked SNS publish, then Approve, which publishes its task token and waits.
async fn approval_stack() -> Local {
    Local::start_with(|dir| {
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../local/tests/fixtures");
        let mut config = Config::ephemeral(dir.join("data"));
        config.workflow = Some(fixtures.join("approval.asl.json"));
        config.functions = Some(fixtures.join("functions.json"));
        config.workflow_type = "STANDARD".parse().unwrap();
        config.mocks = Some(Mocks {
            file: fixtures.join("approval.mocks.json"),
            state_machine: None,
            test_case: None,
        });
        config
    })
    .await
}

/// The job's execution, as `history --json` shows it.
async fn execution(target: &Target, id: &str) -> Value {
    let ran = run(
        target,
        ClientCommand::History {
            job_id: id.to_owned(),
            json: true,
        },
    )
    .await;
    let all: Value = serde_json::from_str(&ran.out).unwrap_or(Value::Null);
    all["executions"][0].clone()
}

/// The token the job's execution waits on, read where a person finds it:
/// the parameters of the Approve task's TaskScheduled event.
async fn waiting_token(target: &Target, id: &str) -> String {
    for _ in 0..500 {
        let execution = execution(target, id).await;
        let token = execution["events"].as_array().and_then(|events| {
            events.iter().find_map(|event| {
                let details = &event["taskScheduledEventDetails"];
                (details["resource"] == "publish.waitForTaskToken").then(|| {
                    let parameters: Value =
                        serde_json::from_str(details["parameters"].as_str().unwrap()).unwrap();
                    let message = parameters["Message"].as_str().unwrap();
                    let (_, token) = message.split_once("its task token: ").unwrap();
                    token.to_owned()
                })
            })
        });
        if let Some(token) = token {
            return token;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never waited for a task token");
}

/// Polls the job's execution until it is `status`.
async fn execution_reaches(target: &Target, id: &str, status: &str) -> Value {
    for _ in 0..500 {
        let execution = execution(target, id).await;
        if execution["status"] == status {
            return execution;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the execution of job {id} never reached {status}");
}

fn success(token: &str, output: &str) -> ClientCommand {
    ClientCommand::Task(TaskCommand::Success(TaskSuccessArgs {
        token: token.to_owned(),
        output: Some(output.to_owned()),
        output_file: None,
    }))
}

fn success_from(token: &str, path: &std::path::Path) -> ClientCommand {
    ClientCommand::Task(TaskCommand::Success(TaskSuccessArgs {
        token: token.to_owned(),
        output: None,
        output_file: Some(path.to_owned()),
    }))
}

fn failure(token: &str, error: Option<&str>, cause: Option<&str>) -> ClientCommand {
    ClientCommand::Task(TaskCommand::Failure(TaskFailureArgs {
        token: token.to_owned(),
        error: error.map(str::to_owned),
        cause: cause.map(str::to_owned),
    }))
}

fn heartbeat(token: &str) -> ClientCommand {
    ClientCommand::Task(TaskCommand::Heartbeat {
        token: token.to_owned(),
    })
}

fn refusal(ran: Ran) -> TaskError {
    ran.result
        .expect_err("the answer should be refused")
        .downcast::<TaskError>()
        .expect("a refusal by name")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_task_succeeds_with_the_output_given_inline_or_in_a_file() {
    let local = approval_stack().await;
    let target = local.target();
    let inline = submitted(&target).await;
    let from_file = submitted(&target).await;
    let inline_token = waiting_token(&target, &inline).await;
    let file_token = waiting_token(&target, &from_file).await;
    assert_ne!(inline_token, file_token);

    let ran = run(&target, success(&inline_token, r#"{"approved": true}"#)).await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    assert_eq!(
        ran.out,
        "task succeeded: its execution goes on with this output\n"
    );
    let done = execution_reaches(&target, &inline, "SUCCEEDED").await;
    assert_eq!(done["output"]["approval"], json!({"approved": true}));
    // The Lambda step before it ran in-process, and the publish was the mock's.
    assert_eq!(done["output"]["notification"]["status"], json!("Success"));
    assert_eq!(done["mockedStates"], json!(["Approve", "Publish"]));

    // An output too long for a command line, from a file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.json");
    let notes: Vec<String> = (0..2000).map(|i| format!("note {i}")).collect();
    let big = json!({"approved": false, "notes": notes});
    std::fs::write(&path, big.to_string()).unwrap();
    let ran = run(&target, success_from(&file_token, &path)).await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    let done = execution_reaches(&target, &from_file, "SUCCEEDED").await;
    assert_eq!(done["output"]["approval"], big);

    // Answered once: a second answer finds the task over.
    let again = refusal(run(&target, success(&inline_token, "{}")).await);
    assert_eq!(again.refusal, Refusal::TaskTimedOut);
    assert_eq!(again.action, "SendTaskSuccess");
    let text = again.to_string();
    assert!(
        text.starts_with("SendTaskSuccess refused: TaskTimedOut: "),
        "{text}"
    );
    assert!(
        text.contains("the task already ended") && text.contains("`jobs history JOB_ID`"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_keeps_the_task_waiting_and_a_failure_fails_the_execution() {
    let local = approval_stack().await;
    let target = local.target();
    let id = submitted(&target).await;
    let token = waiting_token(&target, &id).await;

    let ran = run(&target, heartbeat(&token)).await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    assert_eq!(
        ran.out,
        "heartbeat sent: the task's HeartbeatSeconds count again from now\n"
    );
    assert_eq!(execution(&target, &id).await["status"], "RUNNING");

    let ran = run(
        &target,
        failure(&token, Some("Rejected"), Some("the reviewer said no")),
    )
    .await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    assert_eq!(
        ran.out,
        "task failed with error Rejected: its Retry or Catch takes it from here, else its \
         execution fails\n"
    );
    // Approve has no Catch: the execution fails with the task's error.
    let failed = execution_reaches(&target, &id, "FAILED").await;
    assert_eq!(failed["error"], "Rejected");
    assert_eq!(failed["cause"], "the reviewer said no");

    let late = refusal(run(&target, heartbeat(&token)).await);
    assert_eq!(late.refusal, Refusal::TaskTimedOut);
    assert_eq!(late.action, "SendTaskHeartbeat");
}

#[tokio::test]
async fn a_token_the_stack_never_issued_is_refused_as_invalid_token() {
    let local = Local::start().await;
    let target = local.target();
    for (command, action) in [
        (heartbeat("no-such-token"), "SendTaskHeartbeat"),
        (success("no-such-token", "{}"), "SendTaskSuccess"),
        (failure("no-such-token", None, None), "SendTaskFailure"),
    ] {
        let refused = refusal(run(&target, command).await);
        assert_eq!(refused.refusal, Refusal::InvalidToken);
        assert_eq!(refused.action, action);
        let text = refused.to_string();
        assert!(
            text.starts_with(&format!("{action} refused: InvalidToken: ")),
            "{text}"
        );
        assert!(text.contains("`jobs history JOB_ID --json`"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_that_is_not_json_is_refused_before_any_request() {
    let local = approval_stack().await;
    let target = local.target();
    let id = submitted(&target).await;
    let token = waiting_token(&target, &id).await;

    let ran = run(&target, success(&token, "{not json")).await;
    let text = format!("{:#}", ran.result.unwrap_err());
    assert!(
        text.starts_with("--output is not JSON (key must be a string at line 1 column 2)"),
        "{text}"
    );
    assert!(text.contains("nothing was sent"), "{text}");
    assert_eq!(ran.out, "");

    // Nothing was sent: the same command to an address where nothing listens
    // fails the same way, not for want of a server.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let unsent = run(
        &target_at(&nowhere),
        success(&token, "approved, with a note"),
    )
    .await;
    let text = format!("{:#}", unsent.result.unwrap_err());
    assert!(text.starts_with("--output is not JSON"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.json");
    std::fs::write(&path, "{\"approved\": true,}").unwrap();
    let ran = run(&target_at(&nowhere), success_from(&token, &path)).await;
    let text = format!("{:#}", ran.result.unwrap_err());
    assert!(
        text.starts_with(&format!("--output-file {} is not JSON", path.display())),
        "{text}"
    );

    // The execution still waits, and takes a valid answer.
    assert_eq!(execution(&target, &id).await["status"], "RUNNING");
    run(&target, success(&token, "\"approved\""))
        .await
        .result
        .unwrap();
    let done = execution_reaches(&target, &id, "SUCCEEDED").await;
    assert_eq!(done["output"]["approval"], "approved");
}

#[tokio::test]
async fn an_empty_token_or_a_deployed_api_without_its_stack_is_refused() {
    let local = Local::start().await;
    let text = format!(
        "{:#}",
        run(&local.target(), heartbeat("  \n"))
            .await
            .result
            .unwrap_err()
    );
    assert!(text.starts_with("the task token is empty"), "{text}");

    let deployed = target_at("https://abc123.execute-api.us-east-1.amazonaws.com/prod");
    let text = format!(
        "{:#}",
        run(&deployed, heartbeat("t-1")).await.result.unwrap_err()
    );
    assert!(text.contains("pass --stack NAME"), "{text}");
}

fn target_at(url: &str) -> Target {
    target(url, jobs_local::config::DEFAULT_SECRET_ACCESS_KEY)
}
