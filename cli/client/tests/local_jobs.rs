//! `submit` and `get` against the real local stack: the id, `--wait`,
//! idempotency keys, and what a refused request, a wrong secret or a missing
//! server says.

mod local_support;

use std::process::ExitCode;

use jobs_client::{ClientCommand, JobRuns, SubmitArgs, Switch};
use jobs_domain::JobView;
use jobs_local::testing::{example, other_than_example};
use local_support::*;
use serde_json::Value;

#[tokio::test]
async fn submit_prints_the_id_and_the_location() {
    let local = Local::start().await;
    let ran = run(&local.target(), ClientCommand::Submit(submit(false))).await;
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
    let ran = run(&local.target(), ClientCommand::Submit(submit(true))).await;
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
    assert_eq!(job.parameters.to_value(), example());
    assert!(job.results.is_some_and(|r| r.is_object()));
    assert!(
        ran.out.starts_with("{\n  \"id\""),
        "pretty, id first: {}",
        ran.out
    );
}

#[tokio::test]
async fn submit_wait_on_a_terminal_spins_between_polls_and_clears_the_line() {
    let local = Local::start().await;
    // Held in Running for a while, whatever the job does, so there are
    // polls to spin between.
    run(&local.target(), job_runs(JobRuns::Hold))
        .await
        .result
        .unwrap();
    let faults = local.stack.faults.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        faults.set_hold_runs(false);
    });
    let ran = run_on(
        &local.target(),
        ClientCommand::Submit(SubmitArgs {
            poll_interval_ms: 250,
            ..submit(true)
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
    // The processor cannot write: the workflow's failure path records why.
    run(&local.target(), faults(None, Some(Switch::Fail)))
        .await
        .result
        .unwrap();
    let ran = run(&local.target(), ClientCommand::Submit(submit(true))).await;
    assert_eq!(ran.result.unwrap(), ExitCode::FAILURE, "{}", ran.err);
    let job: JobView = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(job.status.as_str(), "Failure");
    assert_eq!(job.error.unwrap().error, "JobStoreUnavailable");
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
    let ran = run(&target, ClientCommand::Submit(submit(true))).await;
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
    let keyed = |parameters: Value| {
        ClientCommand::Submit(SubmitArgs {
            idempotency_key: Some("key-1".into()),
            ..submit_params(&parameters, false)
        })
    };
    let first = run(&target, keyed(example())).await;
    let second = run(&target, keyed(example())).await;
    assert_eq!(first.out, second.out);
    assert_eq!(local.job_rows().await, 1);
    let conflict = api_error(run(&target, keyed(other_than_example())).await.result);
    assert_eq!(
        conflict.status(),
        Some(http::StatusCode::UNPROCESSABLE_ENTITY)
    );
    // The server's words, which name the header as HTTP documents spell it.
    assert_eq!(
        conflict.to_string().to_ascii_lowercase(),
        format!(
            "this {} was already used with a different request body: \
             use a new key for a new request, or resend the original body",
            jobs_wire::api::IDEMPOTENCY_KEY
        )
    );
    assert_eq!(local.job_rows().await, 1);
}

#[tokio::test]
async fn rejected_input_is_refused_before_sending_and_creates_nothing() {
    let local = Local::start().await;
    let target = local.target();
    // The request model refuses it on this side: nothing reaches the server.
    let mut unknown_key = example();
    unknown_key["surely_not_a_parameter"] = 1.into();
    let err = run(
        &target,
        ClientCommand::Submit(submit_params(&unknown_key, false)),
    )
    .await
    .result
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("do not fit the job") && text.contains("surely_not_a_parameter"),
        "{text}"
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
            ClientCommand::Submit(submit(false)),
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
        run(&target(&url, "s"), ClientCommand::Submit(submit(false)))
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

/// `key=value` pairs, each typed by the request model, make the same job as
/// its JSON: the example written as pairs is the example.
#[tokio::test]
async fn key_value_pairs_are_typed_by_the_request_model() {
    let local = Local::start().await;
    let pairs = example()
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    let ran = run(
        &local.target(),
        ClientCommand::Submit(SubmitArgs {
            pairs,
            params: None,
            ..submit(true)
        }),
    )
    .await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    let job: JobView = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(job.parameters.to_value(), example());
}
