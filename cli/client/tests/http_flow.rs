//! The client commands against the real local stack, started in-process on
//! 127.0.0.1 with a random port and a temporary data directory.

use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use jobs_client::api::{resolve_region, ApiClient, ApiError, Endpoint};
use jobs_client::{
    run_with, ClientCommand, Credentials, Output, ReplayArgs, SubmitArgs, Switch, Target,
};
use jobs_domain::JobView;
use jobs_local::config::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use jobs_local::store::{ArchiveStore, ArchivedEvent};
use jobs_local::{Config, Stack};
use jobs_wire::{FaultSettings, JobExecutions, Switch as Fault};
use serde_json::{json, Value};

struct Local {
    stack: Stack,
    _dir: tempfile::TempDir,
}

impl Local {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let stack = Stack::start(Config::ephemeral(dir.path().to_path_buf()))
            .await
            .expect("the local stack starts");
        Self { stack, _dir: dir }
    }

    fn target(&self) -> Target {
        target(&self.stack.base_url(), DEFAULT_SECRET_ACCESS_KEY)
    }

    /// The line `submit` and `history` print for the job's console page.
    fn console_line(&self, id: &str) -> String {
        format!(
            "console: {}/console/jobs/{id}?token={}",
            self.stack.base_url(),
            self.stack.console_token.as_str()
        )
    }

    async fn job_rows(&self) -> i64 {
        self.stack
            .db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))?))
            .await
            .unwrap()
    }
}

fn target(url: &str, secret: &str) -> Target {
    let endpoint = Endpoint::parse(url).unwrap();
    let region = resolve_region(None, &endpoint, |_| None);
    let credentials = Credentials::new(DEFAULT_ACCESS_KEY_ID, secret, None);
    Target::api(ApiClient::new(endpoint, region, credentials).unwrap())
}

struct Ran {
    result: anyhow::Result<ExitCode>,
    out: String,
    err: String,
}

async fn run(target: &Target, cmd: ClientCommand) -> Ran {
    run_on(target, cmd, false).await
}

async fn run_on(target: &Target, cmd: ClientCommand, err_is_tty: bool) -> Ran {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let result = {
        let mut output = Output {
            out: &mut out,
            err: &mut err,
            err_is_tty,
        };
        run_with(target, cmd, &mut output).await
    };
    Ran {
        result,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

fn submit(seconds: u64, wait: bool) -> SubmitArgs {
    SubmitArgs {
        seconds,
        idempotency_key: None,
        wait,
        wait_timeout: 60,
        poll_interval_ms: 20,
    }
}

fn replay(name: &str) -> ClientCommand {
    ClientCommand::Replay(ReplayArgs {
        from: None,
        to: None,
        name: Some(name.to_owned()),
        poll_interval_ms: 10,
    })
}

fn faults(error_handler: Option<Switch>, processor: Option<Switch>) -> ClientCommand {
    ClientCommand::Faults {
        error_handler_writes: error_handler,
        processor_writes: processor,
    }
}

fn api_error(result: anyhow::Result<ExitCode>) -> ApiError {
    result
        .expect_err("the command should fail")
        .downcast::<ApiError>()
        .expect("an API error")
}

async fn submitted(target: &Target, seconds: u64) -> String {
    let ran = run(target, ClientCommand::Submit(submit(seconds, false))).await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    ran.out.trim().to_owned()
}

/// Polls `get` until the job is `status`.
async fn job_reaches(target: &Target, id: &str, status: &str) -> JobView {
    for _ in 0..500 {
        let ran = run(target, ClientCommand::Get { job_id: id.into() }).await;
        let job: JobView = serde_json::from_str(&ran.out).unwrap();
        if job.status.as_str() == status {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never reached {status}");
}

/// A job archived for good: both store writes fail, so neither the processor
/// nor the error handler can record anything.
async fn archived_job(target: &Target) -> String {
    let set = run(target, faults(Some(Switch::Fail), Some(Switch::Fail))).await;
    set.result.unwrap();
    let id = submitted(target, 1).await;
    let history = ClientCommand::History {
        job_id: id.clone(),
        json: true,
    };
    for _ in 0..500 {
        let ran = run(target, history.clone()).await;
        if let Ok(executions) = serde_json::from_str::<JobExecutions>(&ran.out) {
            if executions
                .executions
                .iter()
                .any(|e| e.error.as_deref() == Some("JobArchived"))
            {
                return id;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} was never archived");
}

#[tokio::test]
async fn submit_prints_the_id_and_the_location() {
    let local = Local::start().await;
    let ran = run(&local.target(), ClientCommand::Submit(submit(1, false))).await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS);
    let id = ran.out.trim();
    assert!(id.parse::<uuid::Uuid>().is_ok(), "{:?}", ran.out);
    assert_eq!(
        ran.err.trim(),
        format!("location: /jobs/{id}\n{}", local.console_line(id))
    );
    assert_eq!(local.job_rows().await, 1);
}

#[tokio::test]
async fn submit_wait_follows_the_job_to_success_and_exits_0() {
    let local = Local::start().await;
    let ran = run(&local.target(), ClientCommand::Submit(submit(1, true))).await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    let mut lines = ran.err.lines();
    let job_id = ran.out.split('"').nth(3).unwrap_or_default();
    assert_eq!(
        lines.next().unwrap(),
        local.console_line(job_id),
        "{}",
        ran.err
    );
    assert!(lines.next().unwrap().contains("submitted, waiting"));
    // One line per status change, in the order the job went through them.
    let statuses: Vec<&str> = lines
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(statuses.last(), Some(&"Success"), "{}", ran.err);
    let order = ["Queued", "Running", "Success"];
    let positions: Vec<usize> = statuses
        .iter()
        .map(|s| order.iter().position(|o| o == s).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", ran.err);
    assert!(!ran.err.contains('\r'), "no spinner off a terminal");
    let job: JobView = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(
        job.results,
        Some(json!({"message": "I slept for 1 seconds"}))
    );
    assert!(
        ran.out.starts_with("{\n  \"id\""),
        "pretty, id first: {}",
        ran.out
    );
}

#[tokio::test]
async fn submit_wait_on_a_terminal_spins_between_polls_and_clears_the_line() {
    let local = Local::start().await;
    let ran = run_on(
        &local.target(),
        ClientCommand::Submit(SubmitArgs {
            poll_interval_ms: 250,
            ..submit(1, true)
        }),
        true,
    )
    .await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    assert!(ran.err.contains("\r\x1b[2K"), "{:?}", ran.err);
    // The spinner is gone at the end: the last status has its own line.
    assert!(ran.err.ends_with("Success\n"), "{:?}", ran.err);
}

#[tokio::test]
async fn submit_wait_on_a_failing_job_exits_1_and_prints_the_error() {
    let local = Local::start().await;
    let ran = run(&local.target(), ClientCommand::Submit(submit(1000, true))).await;
    assert_eq!(ran.result.unwrap(), ExitCode::FAILURE, "{}", ran.err);
    let job: JobView = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(job.status.as_str(), "Failure");
    assert_eq!(job.error.unwrap().error, "JobTooLong");
    assert!(
        ran.err.lines().last().unwrap().ends_with("Failure"),
        "{}",
        ran.err
    );
}

#[tokio::test]
async fn submit_wait_stops_when_the_workflow_ended_but_the_job_never_will() {
    let local = Local::start().await;
    let target = local.target();
    run(&target, faults(Some(Switch::Fail), Some(Switch::Fail)))
        .await
        .result
        .unwrap();
    let ran = run(&target, ClientCommand::Submit(submit(1, true))).await;
    let err = ran.result.unwrap_err().to_string();
    assert!(
        err.contains("is still Queued but its workflow has ended (FAILED JobArchived)"),
        "{err}"
    );
    assert!(err.contains("`replay`"), "{err}");
    assert!(ran.out.is_empty());
}

#[tokio::test]
async fn an_idempotency_key_returns_the_same_job_and_refuses_another_body() {
    let local = Local::start().await;
    let target = local.target();
    let keyed = |seconds| {
        ClientCommand::Submit(SubmitArgs {
            idempotency_key: Some("key-1".into()),
            ..submit(seconds, false)
        })
    };
    let first = run(&target, keyed(1)).await;
    let second = run(&target, keyed(1)).await;
    assert_eq!(first.out, second.out);
    assert_eq!(local.job_rows().await, 1);
    let conflict = api_error(run(&target, keyed(2)).await.result);
    assert_eq!(
        conflict.status(),
        Some(http::StatusCode::UNPROCESSABLE_ENTITY)
    );
    assert_eq!(
        conflict.to_string(),
        "This Idempotency-Key was already used with a different request body: \
         use a new key for a new request, or resend the original body"
    );
    assert_eq!(local.job_rows().await, 1);
}

#[tokio::test]
async fn rejected_input_shows_the_servers_message_and_creates_nothing() {
    let local = Local::start().await;
    let target = local.target();
    let err = api_error(
        run(&target, ClientCommand::Submit(submit(0, false)))
            .await
            .result,
    );
    assert_eq!(err.status(), Some(http::StatusCode::BAD_REQUEST));
    assert!(
        err.to_string().starts_with("Invalid request body: "),
        "{err}"
    );
    assert_eq!(local.job_rows().await, 0);
    let unknown = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";
    let err = api_error(
        run(
            &target,
            ClientCommand::Get {
                job_id: unknown.into(),
            },
        )
        .await
        .result,
    );
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
    assert_eq!(
        err.to_string(),
        format!("Job not found: no job has id {unknown}")
    );
}

#[tokio::test]
async fn a_malformed_id_is_refused_before_any_request() {
    // Nothing listens at this URL: a request would fail with "no jobs API".
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = target(&format!("http://127.0.0.1:{port}"), "s");
    for cmd in [
        ClientCommand::Get {
            job_id: "../local/faults".into(),
        },
        ClientCommand::History {
            job_id: "not-an-id".into(),
            json: false,
        },
    ] {
        let err = run(&target, cmd).await.result.unwrap_err().to_string();
        assert!(err.contains("is not a job id"), "{err}");
    }
}

#[tokio::test]
async fn a_wrong_secret_gets_the_gateways_403_and_a_hint() {
    let local = Local::start().await;
    let err = api_error(
        run(
            &target(&local.stack.base_url(), "not-the-secret"),
            ClientCommand::Submit(submit(1, false)),
        )
        .await
        .result,
    );
    assert_eq!(err.status(), Some(http::StatusCode::FORBIDDEN));
    let text = err.to_string();
    assert!(
        text.starts_with("The request signature we calculated does not match"),
        "{text}"
    );
    assert!(text.contains("(request id "), "{text}");
    assert!(text.contains("hint: "), "{text}");
    assert!(text.contains("--region"), "{text}");
    assert_eq!(local.job_rows().await, 0, "nothing got past the gateway");
}

#[tokio::test]
async fn no_server_says_how_to_start_the_local_stack() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let err = api_error(
        run(&target(&url, "s"), ClientCommand::Submit(submit(1, false)))
            .await
            .result,
    );
    assert_eq!(
        err.to_string(),
        format!(
            "no jobs API at {url}; start the local stack with \
             `cargo run --profile local -p jobs -- local start` or pass --url"
        )
    );
}

#[tokio::test]
async fn history_renders_the_timeline_or_the_raw_json() {
    let local = Local::start().await;
    let target = local.target();
    let id = submitted(&target, 1).await;
    job_reaches(&target, &id, "Success").await;
    let ran = run(
        &target,
        ClientCommand::History {
            job_id: id.clone(),
            json: false,
        },
    )
    .await;
    ran.result.unwrap();
    let lines: Vec<&str> = ran.out.lines().collect();
    assert_eq!(
        lines[0],
        format!("Execution {id}  SUCCEEDED"),
        "{}",
        ran.out
    );
    assert!(lines[1].starts_with("  started "), "{}", ran.out);
    assert_eq!(ran.err.trim(), local.console_line(&id));
    let kinds: Vec<&str> = lines[2..]
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"ExecutionStarted"), "{}", ran.out);
    assert_eq!(kinds.last(), Some(&"ExecutionSucceeded"), "{}", ran.out);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("TaskSucceeded") && l.ends_with("ProcessJob")),
        "{}",
        ran.out
    );
    let raw = run(
        &target,
        ClientCommand::History {
            job_id: id.clone(),
            json: true,
        },
    )
    .await;
    let raw: Value = serde_json::from_str(&raw.out).unwrap();
    let executions = raw["executions"].as_array().unwrap();
    assert_eq!(executions.len(), 1);
    assert_eq!(executions[0]["name"], id.as_str());
    assert_eq!(
        executions[0]["events"].as_array().unwrap().len(),
        kinds.len()
    );
}

#[tokio::test]
async fn the_archive_lists_a_failed_job_in_its_window_and_replay_runs_it_again() {
    let local = Local::start().await;
    let target = local.target();
    let id = archived_job(&target).await;

    let listed = run(
        &target,
        ClientCommand::Archive {
            from: Some(Utc::now() - chrono::Duration::minutes(5)),
            to: None,
            json: false,
        },
    )
    .await;
    listed.result.unwrap();
    let lines: Vec<&str> = listed.out.lines().collect();
    assert!(lines[0].starts_with("TIME"), "{}", listed.out);
    assert!(lines[1].contains(&id), "{}", listed.out);
    // Both errors, cut to fit a table cell (`--json` has them whole).
    for fault in ["processor stor…", "error handler …"] {
        let cell =
            format!("JobStoreUnavailable: the job store is unavailable: injected fault: {fault}");
        assert!(lines[1].contains(&cell), "{}", listed.out);
    }
    assert_eq!(lines[2], "1 archived event in failed-jobs-archive");
    let before = run(
        &target,
        ClientCommand::Archive {
            from: None,
            to: Some(Utc::now() - chrono::Duration::minutes(5)),
            json: false,
        },
    )
    .await;
    assert!(
        before
            .out
            .starts_with("no archived events in failed-jobs-archive"),
        "{}",
        before.out
    );

    run(&target, faults(Some(Switch::Ok), Some(Switch::Ok)))
        .await
        .result
        .unwrap();
    let replayed = run(&target, replay("replay-1")).await;
    assert_eq!(replayed.result.unwrap(), ExitCode::SUCCESS);
    assert!(
        replayed
            .out
            .starts_with("1 event replayed by replay-1 (archived from "),
        "{}",
        replayed.out
    );
    assert!(
        replayed.out.trim_end().ends_with("until now)"),
        "{}",
        replayed.out
    );
    job_reaches(&target, &id, "Success").await;
    let history = run(
        &target,
        ClientCommand::History {
            job_id: id.clone(),
            json: false,
        },
    )
    .await;
    assert!(
        history.out.contains("  replay  replay-1\n"),
        "{}",
        history.out
    );
    assert!(
        history
            .out
            .starts_with(&format!("Execution {id}  FAILED\n")),
        "{}",
        history.out
    );

    // A replay name is used once.
    let again = api_error(run(&target, replay("replay-1")).await.result);
    assert_eq!(again.status(), Some(http::StatusCode::CONFLICT));
    assert_eq!(again.to_string(), "Replay replay-1 already exists.");
}

#[tokio::test]
async fn replay_defaults_to_the_last_24_hours() {
    let local = Local::start().await;
    let target = local.target();
    // One event archived two days ago, which the default window leaves out.
    let old = ArchivedEvent {
        event_id: "old-1".into(),
        time: Utc::now() - chrono::Duration::days(2),
        source: "jobs.workflow".into(),
        detail_type: "JobFailed".into(),
        detail: json!({"id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", "parameters": {"seconds": 1}}),
    };
    ArchiveStore::new(local.stack.db.clone())
        .insert(&old)
        .await
        .unwrap();
    let ran = run(&target, replay("recent")).await;
    assert!(
        ran.out.starts_with("0 events replayed by recent"),
        "{}",
        ran.out
    );
    let everything = run(
        &target,
        ClientCommand::Replay(ReplayArgs {
            from: Some(Utc::now() - chrono::Duration::days(3)),
            to: None,
            name: Some("all".into()),
            poll_interval_ms: 10,
        }),
    )
    .await;
    assert!(
        everything.out.starts_with("1 event replayed by all"),
        "{}",
        everything.out
    );
    let empty = run(
        &target,
        ClientCommand::Replay(ReplayArgs {
            from: Some(Utc::now()),
            to: Some(Utc::now() - chrono::Duration::hours(1)),
            name: None,
            poll_interval_ms: 10,
        }),
    )
    .await;
    let err = empty.result.unwrap_err().to_string();
    assert!(err.contains("must be before --to"), "{err}");
}

#[tokio::test]
async fn faults_shows_and_changes_one_switch_keeping_the_other() {
    let local = Local::start().await;
    let target = local.target();
    let ran = run(&target, faults(Some(Switch::Fail), None)).await;
    ran.result.unwrap();
    let set: FaultSettings = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(set.error_handler_store_writes, Fault::Fail);
    assert_eq!(set.processor_store_writes, Fault::Ok);
    let ran = run(&target, faults(None, Some(Switch::Fail))).await;
    let both: FaultSettings = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(both.error_handler_store_writes, Fault::Fail);
    assert_eq!(both.processor_store_writes, Fault::Fail);
    let shown = run(&target, faults(None, None)).await;
    assert_eq!(
        serde_json::from_str::<FaultSettings>(&shown.out).unwrap(),
        both
    );
    assert_eq!(local.stack.faults.settings(), both);
}

#[tokio::test]
async fn faults_and_the_aws_side_refuse_a_deployed_api_reached_by_url_alone() {
    // Refused before any request: this host is never contacted.
    let target = target(
        "https://abc123.execute-api.us-east-1.amazonaws.com/prod",
        "s",
    );
    let err = api_error(run(&target, faults(None, None)).await.result);
    assert!(matches!(err, ApiError::LocalOnly(_)), "{err:?}");
    assert!(err.to_string().contains("local-stack command"), "{err}");
    for cmd in [
        ClientCommand::History {
            job_id: "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".into(),
            json: false,
        },
        replay("r"),
        ClientCommand::Archive {
            from: None,
            to: None,
            json: false,
        },
    ] {
        let err = api_error(run(&target, cmd).await.result).to_string();
        assert!(err.contains("pass --stack NAME"), "{err}");
    }
}

#[tokio::test]
async fn local_console_gives_the_url_that_opens_the_console() {
    let local = Local::start().await;
    let url = jobs_client::commands::console_url(&local.target())
        .await
        .unwrap();
    assert_eq!(url, local.stack.console_url());
    let deployed = target(
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        "x",
    );
    assert!(jobs_client::commands::console_url(&deployed).await.is_err());
}
