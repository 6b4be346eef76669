//! The `jobs` binary against AWS APIs on the wire: moto_server on 127.0.0.1
//! stands in for CloudFormation, EventBridge, CloudWatch Logs and STS, found
//! through `AWS_ENDPOINT_URL` as every AWS tool finds it; the stack's API is
//! a local stack started here, named by the CloudFormation stack's
//! `ApiEndpoint` output.
//!
//! `scripts/test.sh` starts moto_server, sets `MOTO_ENDPOINT` and runs the
//! ignored tests; by hand: `MOTO_ENDPOINT=http://127.0.0.1:5000 cargo test
//! -p jobs --test aws_moto -- --ignored`. The tests that need no moto run
//! always.

use std::path::Path;
use std::process::Command;

use aws_sdk_cloudformation::config::{BehaviorVersion, Credentials, Region};
use jobs_local::config::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use jobs_local::{Config, Stack};
use serde_json::{json, Value};

const NEEDS_MOTO: &str = "set MOTO_ENDPOINT to a running moto_server (scripts/test.sh does)";
const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
const JOB: &str = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";
const LOGS: &str = include_str!("../../client/tests/fixtures/express_logs.json");

fn moto() -> String {
    std::env::var("MOTO_ENDPOINT").expect(NEEDS_MOTO)
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

macro_rules! client {
    ($sdk:ident) => {
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .endpoint_url(moto())
                .region(Region::new(REGION))
                .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
                .build(),
        )
    };
}

struct Ran {
    code: Option<i32>,
    out: String,
    err: String,
}

/// Runs the binary with only the environment given (and PATH), a fresh
/// HOME, no shared AWS files and no instance metadata: what it finds, it
/// found through the settings of the test.
async fn jobs(home: &Path, env: &[(&str, String)], args: &[&str]) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jobs"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    Ran {
        code: output.status.code(),
        out: String::from_utf8(output.stdout).unwrap(),
        err: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Moto as the endpoint, and the local stack's keys as the AWS credentials:
/// the same keys sign the SDK calls (moto takes any) and the API calls (the
/// local stack takes only those).
fn aws_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", moto()),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID.to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            DEFAULT_SECRET_ACCESS_KEY.to_owned(),
        ),
    ]
}

/// A CloudFormation stack whose outputs are these literal values.
async fn stack_with_outputs(outputs: &[(&str, String)]) -> String {
    let name = unique("JobsTest");
    let template = json!({
        "Resources": {"Marker": {"Type": "AWS::Logs::LogGroup",
                                 "Properties": {"LogGroupName": format!("/test/jobs-test/{name}")}}},
        "Outputs": outputs.iter().map(|(k, v)| (k.to_string(), json!({"Value": v})))
            .collect::<serde_json::Map<_, _>>(),
    });
    client!(aws_sdk_cloudformation)
        .create_stack()
        .stack_name(&name)
        .template_body(template.to_string())
        .send()
        .await
        .expect("moto creates the stack");
    name
}

struct LocalStack {
    stack: Stack,
    _dir: tempfile::TempDir,
}

async fn local_stack() -> LocalStack {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(Config::ephemeral(dir.path().to_path_buf()))
        .await
        .expect("the local stack starts");
    LocalStack { stack, _dir: dir }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn submit_and_get_find_the_api_in_the_stacks_outputs_and_sign_with_the_chain() {
    let local = local_stack().await;
    let name = stack_with_outputs(&[("ApiEndpoint", format!("{}/", local.stack.base_url()))]).await;
    let home = tempfile::tempdir().unwrap();
    let example = jobs_local::testing::example().to_string();
    let ran = jobs(
        home.path(),
        &aws_env(),
        &["--stack", &name, "submit", "--params", &example, "--wait"],
    )
    .await;
    assert_eq!(ran.code, Some(0), "{}", ran.err);
    let job: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(job["status"], "Success");
    let id = job["id"].as_str().unwrap();

    // Credentials from a profile's credential_process, no key in the
    // environment: the chain runs the process.
    let script = home.path().join("creds.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho '{}'\n",
            json!({"Version": 1, "AccessKeyId": DEFAULT_ACCESS_KEY_ID,
                   "SecretAccessKey": DEFAULT_SECRET_ACCESS_KEY})
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &script,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755),
    )
    .unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile jobs-test]\nregion = {REGION}\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    let profile_env = vec![
        ("AWS_ENDPOINT_URL", moto()),
        ("AWS_PROFILE", "jobs-test".to_owned()),
        ("AWS_CONFIG_FILE", config.display().to_string()),
    ];
    let got = jobs(home.path(), &profile_env, &["--stack", &name, "get", id]).await;
    assert_eq!(got.code, Some(0), "{}", got.err);
    let again: Value = serde_json::from_str(&got.out).unwrap();
    assert_eq!(again, job);
    local.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn assume_role_signs_the_api_call_as_the_stacks_invoke_role() {
    let local = local_stack().await;
    let role = format!(
        "arn:aws:iam::{ACCOUNT}:role/{}",
        unique("JobsAPIInvokeRole")
    );
    let name = stack_with_outputs(&[
        ("ApiEndpoint", local.stack.base_url()),
        ("JobsAPIInvokeRoleArn", role.clone()),
    ])
    .await;
    let home = tempfile::tempdir().unwrap();
    let ran = jobs(
        home.path(),
        &aws_env(),
        &[
            "--stack",
            &name,
            "--assume-role",
            "submit",
            "--params",
            &jobs_local::testing::example().to_string(),
        ],
    )
    .await;
    // STS (moto) handed out credentials for the role; the local stack knows
    // only its own key, so it refuses them, and the error names the role.
    assert_eq!(ran.code, Some(2), "{}", ran.err);
    assert!(
        ran.err
            .starts_with("error: The security token included in the request is invalid."),
        "{}",
        ran.err
    );
    assert!(
        ran.err
            .contains(&format!("signed with the assumed role {role}")),
        "{}",
        ran.err
    );
    local.stack.stop().await;
}

/// A failed-jobs bus with its archive, and a replay rule whose target is a
/// log group, where each replayed event can be seen.
struct Bus {
    bus_arn: String,
    archive_name: String,
    archive_arn: String,
    rule_arn: String,
    sink: String,
}

async fn failed_jobs_bus() -> Bus {
    let events = client!(aws_sdk_eventbridge);
    let logs = client!(aws_sdk_cloudwatchlogs);
    let bus_name = unique("failed-jobs");
    let bus_arn = events
        .create_event_bus()
        .name(&bus_name)
        .send()
        .await
        .unwrap()
        .event_bus_arn()
        .unwrap()
        .to_owned();
    let archive_name = unique("failed-jobs-archive");
    let archive_arn = events
        .create_archive()
        .archive_name(&archive_name)
        .event_source_arn(&bus_arn)
        .retention_days(90)
        .send()
        .await
        .unwrap()
        .archive_arn()
        .unwrap()
        .to_owned();
    let sink = format!("/test/jobs-test/{}", unique("replayed"));
    logs.create_log_group()
        .log_group_name(&sink)
        .send()
        .await
        .unwrap();
    let rule = unique("replay-rule");
    let rule_arn = events
        .put_rule()
        .name(&rule)
        .event_bus_name(&bus_name)
        .event_pattern(
            json!({"source": ["jobs.workflow"], "detail-type": ["JobFailed"],
                   "replay-name": [{"exists": true}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .rule_arn()
        .unwrap()
        .to_owned();
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(&bus_name)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("sink")
                .arn(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{sink}"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let put = events
        .put_events()
        .entries(
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .event_bus_name(&bus_name)
                .source("jobs.workflow")
                .detail_type("JobFailed")
                .detail(json!({"id": JOB, "parameters": {"n": 1}}).to_string())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count(), 0);
    Bus {
        bus_arn,
        archive_name,
        archive_arn,
        rule_arn,
        sink,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn archive_and_replay_go_through_eventbridge() {
    let bus = failed_jobs_bus().await;
    let name = stack_with_outputs(&[
        ("ApiEndpoint", "http://127.0.0.1:9/".to_owned()),
        ("FailedJobsArchiveName", bus.archive_name.clone()),
        ("FailedJobsArchiveArn", bus.archive_arn.clone()),
        ("FailedJobsBusArn", bus.bus_arn.clone()),
        ("ReplayRuleArn", bus.rule_arn.clone()),
    ])
    .await;
    let home = tempfile::tempdir().unwrap();

    let archive = jobs(home.path(), &aws_env(), &["--stack", &name, "archive"]).await;
    assert_eq!(archive.code, Some(0), "{}", archive.err);
    let lines: Vec<&str> = archive.out.lines().collect();
    assert_eq!(
        lines[0],
        format!("Archive {}  ENABLED", bus.archive_name),
        "{}",
        archive.out
    );
    assert_eq!(lines[1], "  events     1", "{}", archive.out);
    assert!(
        archive.out.contains("  retention  90 days\n"),
        "{}",
        archive.out
    );
    assert!(
        archive
            .out
            .contains("EventBridge does not list archived events"),
        "{}",
        archive.out
    );

    let replay_name = unique("replay");
    let replay = jobs(
        home.path(),
        &aws_env(),
        &[
            "--stack",
            &name,
            "replay",
            "--name",
            &replay_name,
            "--from",
            "1h",
        ],
    )
    .await;
    assert_eq!(replay.code, Some(0), "{}", replay.err);
    assert!(
        replay
            .out
            .starts_with(&format!("Replay {replay_name}  COMPLETED\n")),
        "{}",
        replay.out
    );
    assert!(
        replay.out.contains("does not report how many events"),
        "{}",
        replay.out
    );
    assert!(
        replay
            .err
            .contains(&format!("replay {replay_name} started")),
        "{}",
        replay.err
    );
    // The replayed event reached the bus, marked as a replay. (Read with a
    // plain request: moto writes the timestamps of events a rule delivers as
    // fractions, which the SDK refuses to parse.)
    let delivered: Value = reqwest::Client::new()
        .post(moto())
        .header("x-amz-target", "Logs_20140328.FilterLogEvents")
        // moto picks the service from the credential scope; it checks no signature.
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/logs/aws4_request, SignedHeaders=host, Signature=0"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(json!({"logGroupName": bus.sink}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let replayed: Vec<Value> = delivered["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str(e["message"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(replayed.len(), 1, "{replayed:?}");
    assert_eq!(replayed[0]["replay-name"], replay_name.as_str());
    assert_eq!(replayed[0]["detail"]["id"], JOB);

    // A name is used once; EventBridge says so, and jobs says what to do.
    let again = jobs(
        home.path(),
        &aws_env(),
        &["--stack", &name, "replay", "--name", &replay_name],
    )
    .await;
    assert_eq!(again.code, Some(2));
    assert!(
        again
            .err
            .contains(&format!("Replay {replay_name} already exists.")),
        "{}",
        again.err
    );
    assert!(again.err.contains("pick another --name"), "{}", again.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn history_reads_express_log_events_back_as_a_timeline() {
    let logs = client!(aws_sdk_cloudwatchlogs);
    let group = format!("/aws/vendedlogs/states/{}", unique("jobs"));
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    logs.put_retention_policy()
        .log_group_name(&group)
        .retention_in_days(7)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("states/express")
        .send()
        .await
        .unwrap();
    // The fixture's executions, moved to the last hour (CloudWatch takes no
    // events older than the group keeps).
    let mut events: Vec<Value> = serde_json::from_str(LOGS).unwrap();
    let first: i64 = events[0]["event_timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let shift = chrono::Utc::now().timestamp_millis() - 3_600_000 - first;
    for event in &mut events {
        let at: i64 = event["event_timestamp"].as_str().unwrap().parse().unwrap();
        event["event_timestamp"] = Value::String((at + shift).to_string());
    }
    events.sort_by_key(|e| {
        e["event_timestamp"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    });
    let mut put = logs
        .put_log_events()
        .log_group_name(&group)
        .log_stream_name("states/express");
    for event in &events {
        put = put.log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(event["event_timestamp"].as_str().unwrap().parse().unwrap())
                .message(event.to_string())
                .build()
                .unwrap(),
        );
    }
    put.send().await.unwrap();
    let name = stack_with_outputs(&[
        ("ApiEndpoint", "http://127.0.0.1:9/".to_owned()),
        ("StateMachineLogGroupName", group.clone()),
    ])
    .await;
    let home = tempfile::tempdir().unwrap();

    let ran = jobs(home.path(), &aws_env(), &["--stack", &name, "history", JOB]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.err);
    let out = &ran.out;
    let has = |line: &str| assert!(out.lines().any(|l| l == line), "no line {line:?} in\n{out}");
    has(&format!("Execution {JOB}  FAILED"));
    has("     +0.412s  TaskFailed        ProcessJob  JobStoreUnavailable: the job store is unavailable: Throughput exceeds the current capacity of your table");
    has("     +0.867s  FailStateEntered  JobArchived");
    has("Execution b8f04a52-77e1-4d0c-8d43-5c1e9a7f2b60  SUCCEEDED");
    has("  replay  jobs-replay-20261125T130000Z");
    // Found by the second read, by the replay's execution ARN.
    has("     +0.027s  TaskStarted         ProcessJob");
    assert_eq!(
        out.lines().filter(|l| l.contains("  +")).count(),
        18 + 7,
        "{out}"
    );
    assert!(!out.contains("9a8b7c6d"), "{out}");
    assert_eq!(
        ran.err,
        format!(
            "from the log group {group}, which keeps events 7 days: older executions are gone\n"
        )
    );

    let raw = jobs(
        home.path(),
        &aws_env(),
        &["--stack", &name, "history", JOB, "--json"],
    )
    .await;
    let raw: Value = serde_json::from_str(&raw.out).unwrap();
    assert_eq!(raw["retentionInDays"], 7);
    assert_eq!(raw["events"].as_array().unwrap().len(), 18 + 7);
}

#[tokio::test]
async fn without_credentials_the_binary_says_where_it_looked_and_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    // Nothing answers here: the test must fail on credentials before any call.
    let env = vec![
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_owned()),
        ("AWS_REGION", REGION.to_owned()),
    ];
    let ran = jobs(home.path(), &env, &["--stack", "JobsApi", "archive"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.err);
    assert!(
        ran.err.starts_with("error: no AWS credentials found"),
        "{}",
        ran.err
    );
    assert!(ran.err.contains("hint: set AWS_PROFILE"), "{}", ran.err);
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_is_reported_as_unreachable() {
    let home = tempfile::tempdir().unwrap();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut env = vec![("AWS_REGION", REGION.to_owned())];
    env.push(("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")));
    env.push(("AWS_ACCESS_KEY_ID", "AKIDTEST".to_owned()));
    env.push(("AWS_SECRET_ACCESS_KEY", "secret".to_owned()));
    env.push(("AWS_MAX_ATTEMPTS", "1".to_owned()));
    let ran = jobs(home.path(), &env, &["--stack", "JobsApi", "archive"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.err);
    assert!(
        ran.err
            .starts_with("error: cannot reach AWS for cloudformation:DescribeStacks"),
        "{}",
        ran.err
    );
    assert!(ran.err.contains("AWS_ENDPOINT_URL"), "{}", ran.err);
}
