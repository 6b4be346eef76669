use clap::{CommandFactory, Parser};
use jobs_client::{ReplayArgs, Switch};

use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("jobs").chain(args.iter().copied()))
}

#[test]
fn the_command_line_is_well_formed() {
    Cli::command().debug_assert();
}

#[test]
fn client_commands_are_top_level_with_global_options_anywhere() {
    let cli = parse(&["submit", "n=3", "--wait", "--url", "http://127.0.0.1:4000"]).unwrap();
    assert_eq!(cli.client.url.as_deref(), Some("http://127.0.0.1:4000"));
    match cli.command {
        Command::Client(ClientCommand::Submit(submit)) => {
            assert_eq!(submit.pairs, vec!["n=3".to_owned()]);
            assert!(submit.wait);
            assert_eq!(submit.wait_timeout, 600);
            assert_eq!(submit.idempotency_key, None);
        }
        other => panic!("{other:?}"),
    }
    let cli = parse(&["--region", "eu-west-2", "get", "x"]).unwrap();
    assert_eq!(cli.client.region.as_deref(), Some("eu-west-2"));
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Get { ref job_id }) if job_id == "x"
    ));
    assert!(parse(&["submit", "n=1", "--wait-timeout", "5"]).is_err());
    assert!(parse(&["submit", "--params", "{}", "--params-file", "p.json"]).is_err());
}

#[test]
fn local_start_takes_the_stacks_options_and_the_global_region() {
    let cli = parse(&[
        "local",
        "start",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        "/tmp/x",
        "--region",
        "eu-west-1",
    ])
    .unwrap();
    assert_eq!(cli.client.region.as_deref(), Some("eu-west-1"));
    let Command::Local(LocalCommand::Start(start)) = cli.command else {
        panic!("not local start");
    };
    assert_eq!(start.addr.to_string(), "127.0.0.1:0");
    assert_eq!(start.data_dir, std::path::PathBuf::from("/tmp/x"));
    assert_eq!(start.workflow_type, jobs_asl::WorkflowType::Express);
    let cli = parse(&["local", "start", "--workflow-type", "STANDARD"]).unwrap();
    let Command::Local(LocalCommand::Start(start)) = cli.command else {
        panic!("not local start");
    };
    assert_eq!(start.workflow_type, jobs_asl::WorkflowType::Standard);
    assert!(parse(&["local", "start", "--workflow-type", "SLOW"]).is_err());
    // `start` belongs under `local`.
    assert!(parse(&["start"]).is_err());
}

#[test]
fn faults_take_fail_or_ok() {
    let cli = parse(&["faults", "--error-handler-writes", "fail"]).unwrap();
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Faults {
            error_handler_writes: Some(Switch::Fail),
            processor_writes: None,
            job_runs: None,
        })
    ));
    let cli = parse(&["faults", "--job-runs", "hold"]).unwrap();
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Faults {
            job_runs: Some(jobs_client::JobRuns::Hold),
            ..
        })
    ));
    assert!(parse(&["faults", "--error-handler-writes", "maybe"]).is_err());
}

#[test]
fn times_are_rfc3339_now_or_a_duration_ago() {
    let cli = parse(&["replay", "--from", "2h", "--to", "now", "--name", "r1"]).unwrap();
    let Command::Client(ClientCommand::Replay(ReplayArgs { from, to, name, .. })) = cli.command
    else {
        panic!("not replay");
    };
    let ago = chrono::Utc::now() - from.unwrap();
    assert!(ago > chrono::Duration::minutes(119) && ago < chrono::Duration::minutes(121));
    assert!(to.is_some());
    assert_eq!(name.as_deref(), Some("r1"));
    assert!(parse(&["archive", "--from", "yesterday"]).is_err());
    let cli = parse(&["archive", "--from", "2026-11-25T12:00:00Z", "--json"]).unwrap();
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Archive {
            json: true,
            from: Some(_),
            to: None
        })
    ));
}

#[test]
fn a_deployed_stack_is_named_with_stack_and_its_role_assumed_with_or_without_an_arn() {
    let cli = parse(&[
        "--stack",
        "JobsApi",
        "--assume-role",
        "submit",
        "n=3",
        "--wait",
    ])
    .unwrap();
    assert_eq!(cli.client.stack.as_deref(), Some("JobsApi"));
    assert_eq!(cli.client.role_to_assume(), Some(None));
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Submit(ref s)) if s.pairs == ["n=3"] && s.wait
    ));
    let role = "arn:aws:iam::123456789012:role/JobsAPIInvokeRole";
    let with_arn = format!("--assume-role={role}");
    let cli = parse(&["history", "x", "--stack", "S", &with_arn]).unwrap();
    assert_eq!(cli.client.stack.as_deref(), Some("S"));
    assert_eq!(cli.client.role_to_assume(), Some(Some(role)));
    // The ARN goes after `=`: a bare word after the flag is the command.
    assert!(parse(&["--assume-role", role, "get", "x"]).is_err());
    let cli = parse(&["get", "x"]).unwrap();
    assert_eq!(cli.client.role_to_assume(), None);
    assert!(!cli.client.wants_aws());
}

#[test]
fn the_replay_help_states_its_defaults() {
    let mut command = Cli::command();
    let replay = command.find_subcommand_mut("replay").unwrap();
    let help = replay.render_long_help().to_string();
    assert!(help.contains("[default: 24h ago]"), "{help}");
    assert!(help.contains("[default: now]"), "{help}");
    assert!(help.contains("Ctrl-C cancels it"), "{help}");
}

#[test]
fn task_success_takes_exactly_one_of_output_and_output_file() {
    let cli = parse(&["task", "success", "tok", "--output", r#"{"ok": 1}"#]).unwrap();
    let Command::Client(ClientCommand::Task(jobs_client::TaskCommand::Success(success))) =
        cli.command
    else {
        panic!("not task success");
    };
    assert_eq!(success.token, "tok");
    assert_eq!(success.output.as_deref(), Some(r#"{"ok": 1}"#));
    assert_eq!(success.output_file, None);
    let cli = parse(&["task", "success", "tok", "--output-file", "-"]).unwrap();
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Task(jobs_client::TaskCommand::Success(ref s)))
            if s.output.is_none() && s.output_file.as_deref() == Some(std::path::Path::new("-"))
    ));
    assert!(parse(&["task", "success", "tok"]).is_err());
    assert!(parse(&[
        "task",
        "success",
        "tok",
        "--output",
        "1",
        "--output-file",
        "f"
    ])
    .is_err());
    assert!(
        parse(&["task", "success", "--output", "1"]).is_err(),
        "no token"
    );
}

#[test]
fn task_failure_and_heartbeat_take_the_token_and_the_error_and_cause() {
    let cli = parse(&[
        "task", "failure", "tok", "--error", "Rejected", "--cause", "no",
    ])
    .unwrap();
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Task(jobs_client::TaskCommand::Failure(ref f)))
            if f.token == "tok" && f.error.as_deref() == Some("Rejected")
                && f.cause.as_deref() == Some("no")
    ));
    let cli = parse(&["task", "failure", "tok"]).unwrap();
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Task(jobs_client::TaskCommand::Failure(ref f)))
            if f.error.is_none() && f.cause.is_none()
    ));
    let cli = parse(&["--stack", "JobsApi", "task", "heartbeat", "tok"]).unwrap();
    assert_eq!(cli.client.stack.as_deref(), Some("JobsApi"));
    assert!(matches!(
        cli.command,
        Command::Client(ClientCommand::Task(jobs_client::TaskCommand::Heartbeat { ref token }))
            if token == "tok"
    ));
    assert!(parse(&["task", "heartbeat", "tok", "--output", "{}"]).is_err());
}

#[test]
fn the_task_help_says_where_the_token_comes_from() {
    let mut command = Cli::command();
    let task = command.find_subcommand_mut("task").unwrap();
    for name in ["success", "failure", "heartbeat"] {
        let help = task
            .find_subcommand_mut(name)
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(help.contains("`$$.Task.Token`"), "{name}: {help}");
        assert!(
            help.contains("`jobs history JOB_ID --json`"),
            "{name}: {help}"
        );
    }
}
