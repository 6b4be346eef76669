//! `history`, `archive`, `replay`, `faults` and `local console` against the
//! real local stack, and their refusal on a deployed API reached by URL
//! alone.

mod local_support;

use std::process::ExitCode;

use chrono::Utc;
use jobs_client::ApiError;
use jobs_client::{ClientCommand, ReplayArgs, Switch};
use jobs_local::store::{ArchiveStore, ArchivedEvent};
use jobs_wire::{FaultSettings, Switch as Fault};
use local_support::*;
use serde_json::{json, Value};

#[tokio::test]
async fn history_renders_the_timeline_or_the_raw_json() {
    let local = Local::start().await;
    let target = local.target();
    let id = submitted(&target).await;
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
        detail: json!({"id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", "parameters": {"n": 1}}),
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
    let url = jobs_client::commands::console::url(&local.target())
        .await
        .unwrap();
    assert_eq!(url, local.stack.console_url());
    let deployed = target(
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        "x",
    );
    assert!(jobs_client::commands::console::url(&deployed)
        .await
        .is_err());
}
