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

mod archive;
mod history;

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
