//! The client against a stub API on 127.0.0.1 that verifies every signature.

mod support;

use std::process::ExitCode;

use jobs_client::api::{resolve_region, ApiClient, ApiError, Endpoint};
use jobs_client::{run_with, ClientCommand, Credentials, Output, SubmitArgs, Switch};
use serde_json::Value;
use support::stub;

fn client(url: &str, secret: &str) -> ApiClient {
    let endpoint = Endpoint::parse(url).unwrap();
    let region = resolve_region(None, &endpoint, |_| None);
    ApiClient::new(
        endpoint,
        region,
        Credentials::new(stub::ACCESS_KEY, secret, None),
    )
    .unwrap()
}

struct Ran {
    result: anyhow::Result<ExitCode>,
    out: String,
    err: String,
}

async fn run(client: &ApiClient, cmd: ClientCommand) -> Ran {
    run_on(client, cmd, false).await
}

async fn run_on(client: &ApiClient, cmd: ClientCommand, err_is_tty: bool) -> Ran {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let result = {
        let mut output = Output {
            out: &mut out,
            err: &mut err,
            err_is_tty,
        };
        run_with(client, cmd, &mut output).await
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
        poll_interval_ms: 10,
    }
}

fn api_error(result: anyhow::Result<ExitCode>) -> ApiError {
    result
        .expect_err("the command should fail")
        .downcast::<ApiError>()
        .expect("an API error")
}

#[test]
fn the_verifier_accepts_the_aws_get_vanilla_example() {
    // The stub's verifier is itself checked against AWS's published example.
    let mut headers = http::HeaderMap::new();
    headers.insert("host", "example.amazonaws.com".parse().unwrap());
    headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
    headers.insert(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            .parse()
            .unwrap(),
    );
    let uri: http::Uri = "/".parse().unwrap();
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    assert!(support::sigv4::verify("GET", &uri, &headers, b"", secret).is_ok());
    assert!(support::sigv4::verify("POST", &uri, &headers, b"", secret).is_err());
    assert!(support::sigv4::verify("GET", &uri, &headers, b"x", secret).is_err());
}

#[tokio::test]
async fn submit_prints_the_id_and_the_location() {
    let server = stub::start("").await;
    let ran = run(
        &client(&server.url, stub::SECRET),
        ClientCommand::Submit(submit(2, false)),
    )
    .await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS);
    let id = ran.out.trim();
    assert!(id.parse::<uuid::Uuid>().is_ok(), "{:?}", ran.out);
    assert_eq!(
        ran.err.trim(),
        format!("location: /jobs/{id}\nconsole: http://stub/console/jobs/{id}?token=t0k3n")
    );
    let received = server.received();
    let paths: Vec<&str> = received.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/jobs", "/local/console"]);
    assert_eq!(received[0].body, serde_json::json!({"seconds": 2}));
}

#[tokio::test]
async fn submit_wait_follows_the_job_to_success_and_exits_0() {
    let server = stub::start("").await;
    let ran = run(
        &client(&server.url, stub::SECRET),
        ClientCommand::Submit(submit(2, true)),
    )
    .await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    // The console link, the note, then one line per status change, in
    // order, and nothing else.
    let lines: Vec<&str> = ran.err.lines().collect();
    assert!(
        lines[0].starts_with("console: http://stub/console/jobs/"),
        "{}",
        ran.err
    );
    assert!(lines[1].contains("submitted"), "{}", ran.err);
    let statuses: Vec<&str> = lines[2..]
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(statuses, ["Queued", "Running", "Success"], "{}", ran.err);
    assert!(!ran.err.contains('\r'), "no spinner off a terminal");
    let job: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(job["status"], "Success");
    assert_eq!(job["results"]["message"], "I slept for 2 seconds");
    // The stub showed five statuses; the client polled until the final one.
    let polls = server
        .received()
        .iter()
        .filter(|r| r.path.starts_with("/jobs/"))
        .count();
    assert_eq!(polls, 5);
}

#[tokio::test]
async fn submit_wait_on_a_terminal_spins_between_polls_and_clears_the_line() {
    let server = stub::start("").await;
    let ran = run_on(
        &client(&server.url, stub::SECRET),
        ClientCommand::Submit(SubmitArgs {
            poll_interval_ms: 250,
            ..submit(2, true)
        }),
        true,
    )
    .await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    assert!(ran.err.contains("\r\x1b[2K"), "{:?}", ran.err);
    // Each status still gets its own line, and the spinner is gone at the end.
    for status in ["Queued\n", "Running\n", "Success\n"] {
        assert!(ran.err.contains(status), "{:?}", ran.err);
    }
    assert!(ran.err.ends_with("Success\n"), "{:?}", ran.err);
    let job: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(job["status"], "Success");
}

#[tokio::test]
async fn submit_wait_stops_when_the_workflow_ended_but_the_job_never_will() {
    let server = stub::start("").await;
    let ran = run(
        &client(&server.url, stub::SECRET),
        ClientCommand::Submit(submit(999, true)),
    )
    .await;
    let err = ran.result.unwrap_err().to_string();
    assert!(
        err.contains("is still Queued but its workflow has ended (SUCCEEDED)"),
        "{err}"
    );
    assert!(err.contains("`replay`"), "{err}");
    assert!(ran.out.is_empty());
}

#[tokio::test]
async fn submit_wait_on_a_failing_job_exits_1_and_prints_the_error() {
    let server = stub::start("").await;
    let ran = run(
        &client(&server.url, stub::SECRET),
        ClientCommand::Submit(submit(1000, true)),
    )
    .await;
    assert_eq!(ran.result.unwrap(), ExitCode::FAILURE);
    let job: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(job["status"], "Failure");
    assert_eq!(job["error"]["error"], "JobTooLong");
    assert!(ran.err.contains("Failure"), "{}", ran.err);
}

#[tokio::test]
async fn an_idempotency_key_returns_the_same_job_and_refuses_another_body() {
    let server = stub::start("").await;
    let client = client(&server.url, stub::SECRET);
    let keyed = |seconds| {
        ClientCommand::Submit(SubmitArgs {
            idempotency_key: Some("key-1".into()),
            ..submit(seconds, false)
        })
    };
    let first = run(&client, keyed(2)).await;
    let second = run(&client, keyed(2)).await;
    assert_eq!(first.out, second.out);
    let conflict = api_error(run(&client, keyed(3)).await.result);
    assert_eq!(
        conflict.status(),
        Some(http::StatusCode::UNPROCESSABLE_ENTITY)
    );
    assert_eq!(
        conflict.to_string(),
        "Idempotency-Key was already used with another body"
    );
}

#[tokio::test]
async fn rejected_input_shows_the_servers_message() {
    let server = stub::start("").await;
    let client = client(&server.url, stub::SECRET);
    let err = api_error(
        run(&client, ClientCommand::Submit(submit(0, false)))
            .await
            .result,
    );
    assert_eq!(
        err.to_string(),
        "Invalid request body: seconds must be an integer of at least 1"
    );
    let unknown = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";
    let err = api_error(
        run(
            &client,
            ClientCommand::Get {
                job_id: unknown.into(),
            },
        )
        .await
        .result,
    );
    assert_eq!(err.to_string(), format!("job {unknown} not found"));
}

#[tokio::test]
async fn a_malformed_id_is_refused_before_any_request() {
    let server = stub::start("").await;
    let ran = run(
        &client(&server.url, stub::SECRET),
        ClientCommand::Get {
            job_id: "../local/faults".into(),
        },
    )
    .await;
    let err = ran.result.unwrap_err().to_string();
    assert!(err.contains("is not a job id"), "{err}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn get_prints_the_job() {
    let server = stub::start("").await;
    let client = client(&server.url, stub::SECRET);
    let id = run(&client, ClientCommand::Submit(submit(2, false)))
        .await
        .out
        .trim()
        .to_owned();
    let ran = run(&client, ClientCommand::Get { job_id: id.clone() }).await;
    ran.result.unwrap();
    let job: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(job["id"], id.as_str());
    assert_eq!(job["status"], "Queued");
    assert!(
        ran.out.starts_with("{\n  \"id\""),
        "pretty, id first: {}",
        ran.out
    );
}

#[tokio::test]
async fn a_wrong_secret_gets_the_gateways_403_and_a_hint() {
    let server = stub::start("").await;
    let err = api_error(
        run(
            &client(&server.url, "not-the-secret"),
            ClientCommand::Submit(submit(2, false)),
        )
        .await
        .result,
    );
    assert_eq!(err.status(), Some(http::StatusCode::FORBIDDEN));
    let text = err.to_string();
    assert!(text.starts_with("The request signature we calculated does not match"));
    assert!(text.contains("hint: "), "{text}");
    assert!(server.received().is_empty(), "nothing got past the gateway");
}

#[tokio::test]
async fn no_server_says_how_to_start_the_local_stack() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let err = api_error(
        run(
            &client(&url, stub::SECRET),
            ClientCommand::Submit(submit(2, false)),
        )
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
async fn a_base_path_is_kept_and_signed() {
    let server = stub::start("/prod").await;
    assert!(server.url.ends_with("/prod"));
    let client = client(&server.url, stub::SECRET);
    let ran = run(&client, ClientCommand::Submit(submit(2, true))).await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    let paths: Vec<String> = server.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths[0], "/jobs");
    assert!(
        paths[1..]
            .iter()
            .all(|p| p.starts_with("/jobs/") || p.starts_with("/local/")),
        "{paths:?}"
    );
}

#[tokio::test]
async fn history_renders_the_timeline_or_the_raw_json() {
    let server = stub::start("").await;
    let client = client(&server.url, stub::SECRET);
    let id = "183d4281-48bf-46c2-9221-43cc193d179f";
    let ran = run(
        &client,
        ClientCommand::History {
            job_id: id.into(),
            json: false,
        },
    )
    .await;
    ran.result.unwrap();
    assert!(
        ran.out.starts_with(&format!("Execution {id}  FAILED\n")),
        "{}",
        ran.out
    );
    assert!(ran.out.contains("  replay  replay-fixture\n"));
    assert_eq!(
        ran.err.trim(),
        format!("console: http://stub/console/jobs/{id}?token=t0k3n")
    );
    let raw = run(
        &client,
        ClientCommand::History {
            job_id: id.into(),
            json: true,
        },
    )
    .await;
    let raw: Value = serde_json::from_str(&raw.out).unwrap();
    assert_eq!(raw, serde_json::from_str::<Value>(stub::HISTORY).unwrap());
    assert_eq!(
        server.received()[0].path,
        format!("/local/jobs/{id}/executions")
    );
}

#[tokio::test]
async fn archive_sends_the_window_and_prints_a_table() {
    let server = stub::start("").await;
    let from = "2026-11-25T00:00:00Z".parse().unwrap();
    let ran = run(
        &client(&server.url, stub::SECRET),
        ClientCommand::Archive {
            from: Some(from),
            to: None,
            json: false,
        },
    )
    .await;
    ran.result.unwrap();
    assert!(ran.out.starts_with("TIME"), "{}", ran.out);
    assert!(ran
        .out
        .contains("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f  StoreUnavailable: injected"));
    // No --to: the stack's own now is the end of the window.
    let query = server.received()[0].query.clone().unwrap();
    assert_eq!(query, "from=2026-11-25T00%3A00%3A00.000Z");
}

#[tokio::test]
async fn replay_defaults_to_the_last_24_hours_and_prints_the_count() {
    let server = stub::start("").await;
    let ran = run(
        &client(&server.url, stub::SECRET),
        ClientCommand::Replay {
            from: None,
            to: None,
            name: Some("replay-7".into()),
        },
    )
    .await;
    ran.result.unwrap();
    assert!(
        ran.out.starts_with("2 events replayed by replay-7"),
        "{}",
        ran.out
    );
    let body = &server.received()[0].body;
    assert_eq!(body["name"], "replay-7");
    assert!(body.get("to").is_none(), "{body}");
    let from = chrono::DateTime::parse_from_rfc3339(body["from"].as_str().unwrap()).unwrap();
    let ago = chrono::Utc::now().signed_duration_since(from);
    assert!(
        ago >= chrono::Duration::hours(24) && ago < chrono::Duration::hours(25),
        "{ago}"
    );
}

#[tokio::test]
async fn faults_shows_and_changes_one_switch_keeping_the_other() {
    let server = stub::start("").await;
    let client = client(&server.url, stub::SECRET);
    let ran = run(
        &client,
        ClientCommand::Faults {
            error_handler_writes: Some(Switch::Fail),
            processor_writes: None,
        },
    )
    .await;
    ran.result.unwrap();
    let faults: Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(
        faults,
        serde_json::json!({"errorHandlerStoreWrites": "fail", "processorStoreWrites": "ok"})
    );
    let shown = run(
        &client,
        ClientCommand::Faults {
            error_handler_writes: None,
            processor_writes: None,
        },
    )
    .await;
    assert_eq!(serde_json::from_str::<Value>(&shown.out).unwrap(), faults);
    let methods: Vec<String> = server.received().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "PUT", "GET"]);
}

#[tokio::test]
async fn local_commands_refuse_an_aws_url_and_say_what_to_use() {
    // Refused before any request: this host is never contacted.
    let client = client(
        "https://abc123.execute-api.us-east-1.amazonaws.com/prod",
        stub::SECRET,
    );
    let cases = [
        (
            ClientCommand::History {
                job_id: "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".into(),
                json: false,
            },
            "Step Functions console",
        ),
        (
            ClientCommand::Replay {
                from: None,
                to: None,
                name: None,
            },
            "aws events start-replay",
        ),
        (
            ClientCommand::Archive {
                from: None,
                to: None,
                json: false,
            },
            "EventBridge",
        ),
        (
            ClientCommand::Faults {
                error_handler_writes: None,
                processor_writes: None,
            },
            "local stack",
        ),
    ];
    for (cmd, instead) in cases {
        let err = api_error(run(&client, cmd).await.result);
        assert!(matches!(err, ApiError::LocalOnly(_)), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("is a local-stack command"), "{text}");
        assert!(text.contains(instead), "{text}");
    }
}
