//! The whole local stack in-process, driven over HTTP on 127.0.0.1 with
//! signed requests, as a user would.

mod common;

use jobs_wire as wire;
use std::time::{Duration, SystemTime};

use common::{count, example, other_than_example, Api, Signing, QUICK};
use http::{Method, StatusCode};
use jobs_client::signing::Credentials;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_job_runs_to_success_with_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);

    let reply = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(&example().to_string()),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(reply.headers["location"], wire::api::job(&id).as_str());
    assert!(reply.headers.contains_key("x-amzn-requestid"));

    let job = api.wait_for(&id, "Success", QUICK).await;
    assert_eq!(job["parameters"], example());
    assert!(job["results"].is_object(), "{job}");

    let execution = api
        .wait_for_execution(&id, QUICK, |e| e["status"] == "SUCCEEDED")
        .await;
    assert_eq!(execution["name"], id.as_str());
    assert!(execution["executionArn"].as_str().unwrap().ends_with(&id));
    let events: Vec<&str> = execution["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(events.first(), Some(&"ExecutionStarted"));
    assert_eq!(events.last(), Some(&"ExecutionSucceeded"));
    assert!(events.contains(&"TaskStateEntered") && events.contains(&"TaskSucceeded"));
    let ids: Vec<u64> = execution["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_by_the_gateway_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let mut unknown_key = example();
    unknown_key["surely_not_a_parameter"] = json!("high");
    let mut bodies: Vec<String> = ["", "nope", "[]", "3", "null"].map(str::to_owned).into();
    bodies.push(unknown_key.to_string());
    // Each parameter of the example with a value of another JSON type.
    for (name, value) in example().as_object().unwrap() {
        let mut wrong = example();
        wrong[name] = if value.is_object() {
            json!([])
        } else {
            json!({"x": 1})
        };
        bodies.push(wrong.to_string());
    }
    for body in &bodies {
        let reply = api
            .call(Method::POST, wire::api::JOBS, Some(body), &[])
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body["message"], "Invalid request body", "{body}");
        assert!(reply.body["details"].is_string(), "{body}");
    }
    assert_eq!(count(&stack, "jobs").await, 0);
    assert_eq!(count(&stack, "executions").await, 0);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_malformed_job_ids() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let unknown = api.job("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body["message"].is_string());
    for bad in ["nope", "3F2C9A4E-8D1B-4C6A-9E2F-0B7D5A1C3E9F", "123"] {
        let reply = api.job(bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.body["message"].is_string());
    }
    let none = api.executions("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_or_wrongly_signed_requests_get_403_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let text = example().to_string();
    let body: &[u8] = text.as_bytes();
    let post = |signing| api.request(Method::POST, wire::api::JOBS, Some(body), &[], signing);

    let unsigned = api.send(post(Signing::Unsigned)).await;
    assert_eq!(unsigned.status, StatusCode::FORBIDDEN);
    assert_eq!(
        unsigned.body,
        json!({"message": "Missing Authentication Token"})
    );
    assert!(unsigned.headers.contains_key("x-amzn-requestid"));

    let wrong_secret = Credentials::new(common::KEY, "not-the-secret", None);
    let reply = api.send(post(Signing::With(&wrong_secret))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body["message"]
        .as_str()
        .unwrap()
        .starts_with("The request signature we calculated does not match"));

    let unknown_key = Credentials::new("AKIDSOMEONEELSE00000", common::SECRET, None);
    let reply = api.send(post(Signing::With(&unknown_key))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body["message"],
        "The security token included in the request is invalid."
    );

    let stale = SystemTime::now() - Duration::from_secs(600);
    let reply = api.send(post(Signing::At(stale))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body["message"]
        .as_str()
        .unwrap()
        .starts_with("Signature expired"));

    let mut tampered = post(Signing::Signed);
    *tampered.body_mut() = other_than_example().to_string().into_bytes();
    let reply = api.send(tampered).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let mut moved = post(Signing::Signed);
    *moved.uri_mut() = format!("{}/jobs?extra=1", api.base).parse().unwrap();
    assert_eq!(api.send(moved).await.status, StatusCode::FORBIDDEN);

    // An unknown route is "Missing Authentication Token", signed or not.
    let reply = api
        .call(
            Method::DELETE,
            &wire::api::job("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f"),
            None,
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body["message"], "Missing Authentication Token");

    assert_eq!(count(&stack, "jobs").await, 0);
    assert_eq!(count(&stack, "executions").await, 0);

    // The same request, rightly signed, is accepted.
    assert_eq!(
        api.send(post(Signing::Signed)).await.status,
        StatusCode::ACCEPTED
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_replay_and_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let key = [(wire::api::IDEMPOTENCY_KEY, "order-42")];
    let first = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(&example().to_string()),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    // Same body, other spacing: the same request.
    let again = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(&serde_json::to_string_pretty(&example()).unwrap()),
            &key,
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.body["id"], first.body["id"]);
    let conflict = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(&other_than_example().to_string()),
            &key,
        )
        .await;
    assert_eq!(conflict.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(conflict.body["message"].is_string());
    assert_eq!(count(&stack, "jobs").await, 1);
    assert_eq!(count(&stack, "executions").await, 1);

    let other = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(&other_than_example().to_string()),
            &[(wire::api::IDEMPOTENCY_KEY, "order-43")],
        )
        .await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
    assert_ne!(other.body["id"], first.body["id"]);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_given_at_start_are_on_from_the_first_job() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = jobs_local::Config::ephemeral(dir.path().to_path_buf());
    config.faults = vec!["error-handler-writes".into(), "hold-runs".into()];
    let stack = common::start_with(config).await;
    let api = Api::of(&stack);
    let faults = api.call(Method::GET, wire::local::FAULTS, None, &[]).await;
    assert_eq!(
        faults.body,
        json!({"errorHandlerStoreWrites": "fail", "processorStoreWrites": "ok", "jobRuns": "hold"})
    );
    // Held: the job stays Running, whatever it does, until runs go on.
    let id = api.submit_example().await;
    api.wait_for(&id, "Running", QUICK).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(api.job(&id).await.body["status"], "Running");
    let faults = api
        .call(
            Method::PUT,
            wire::local::FAULTS,
            Some(r#"{"jobRuns": "run"}"#),
            &[],
        )
        .await;
    assert_eq!(faults.body["jobRuns"], "run");
    assert_eq!(faults.body["errorHandlerStoreWrites"], "fail");
    api.wait_for(&id, "Success", QUICK).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_and_unfinished_executions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let done = api.submit_example().await;
    let before = api.wait_for(&done, "Success", QUICK).await;
    // Held in Running by the local fault, so the stop finds it unfinished
    // whatever the job does; the restarted stack does not hold runs.
    stack.faults.set_hold_runs(true);
    let running = api.submit_example().await;
    api.wait_for(&running, "Running", QUICK).await;
    stack.stop().await;

    let stack = common::start(dir.path()).await;
    assert_eq!(stack.recovery.executions_resumed, 1);
    let api = Api::of(&stack);
    assert_eq!(api.job(&done).await.body, before);
    let finished = api.wait_for(&running, "Success", QUICK).await;
    assert_eq!(finished["results"], before["results"]);
    let execution = api
        .wait_for_execution(&running, QUICK, |e| e["status"] == "SUCCEEDED")
        .await;
    // The resumed run's events follow the first run's, with no id reused.
    let ids: Vec<u64> = execution["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert_eq!(execution["events"][0]["type"], "ExecutionStarted");
    stack.stop().await;
}

/// The JSONata rendering of the workflow, run by the stack with `--workflow`: the same jobs
/// end the same way, down to the archive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_runs_the_jsonata_workflow_to_success_failure_and_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = jobs_local::Config::ephemeral(dir.path().to_path_buf());
    config.workflow = Some(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../statemachine/jobs.jsonata.asl.json"),
    );
    let stack = common::start_with(config).await;
    let api = Api::of(&stack);

    let ok = api.submit_example().await;
    let job = api.wait_for(&ok, "Success", QUICK).await;
    assert!(job["results"].is_object(), "{job}");
    let execution = api
        .wait_for_execution(&ok, QUICK, |e| e["status"] == "SUCCEEDED")
        .await;
    assert_eq!(execution["output"]["status"], "Success");

    // The processor's writes fail: the failure path records the job's error.
    stack.faults.set_processor_writes(true);
    let failing = api.submit(&other_than_example()).await;
    let job = api.wait_for(&failing, "Failure", QUICK).await;
    assert_eq!(job["error"]["error"], "JobStoreUnavailable");
    api.wait_for_execution(&failing, QUICK, |e| e["error"] == "JobFailed")
        .await;

    let faults = api
        .call(
            Method::PUT,
            wire::local::FAULTS,
            Some(r#"{"errorHandlerStoreWrites": "fail"}"#),
            &[],
        )
        .await;
    assert_eq!(faults.status, StatusCode::OK, "{:?}", faults.body);
    let archived = api.submit_example().await;
    api.wait_for_execution(&archived, QUICK, |e| e["error"] == "JobArchived")
        .await;
    let archive = api.call(Method::GET, wire::local::ARCHIVE, None, &[]).await;
    let detail = &archive.body["events"][0]["detail"];
    assert_eq!(detail["id"], archived.as_str());
    assert_eq!(detail["processorError"]["Error"], "JobStoreUnavailable");
    assert!(detail["executionId"].as_str().unwrap().ends_with(&archived));
    stack.stop().await;
}

#[tokio::test]
async fn a_workflow_file_that_cannot_run_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% phone %}", "End": true}}}"#).unwrap();
    let mut config = jobs_local::Config::ephemeral(dir.path().join("data"));
    config.workflow = Some(bad);
    let e = match jobs_local::Stack::start(config).await {
        Ok(_) => panic!("the stack started with a definition that cannot run"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("state \"A\": field \"Output\"") && e.contains("phone"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_url_is_given_only_to_a_signed_request_and_the_console_keeps_out_sigv4() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let reply = api.call(Method::GET, wire::local::CONSOLE, None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["url"], stack.console_url().as_str());
    assert_eq!(reply.body["token"], stack.console_token.as_str());
    let unsigned = api.request(
        Method::GET,
        wire::local::CONSOLE,
        None,
        &[],
        Signing::Unsigned,
    );
    assert_eq!(api.send(unsigned).await.status, StatusCode::FORBIDDEN);
    // A signature opens the API, not the console: it needs its token.
    let signed = api.request(Method::GET, "/console/jobs", None, &[], Signing::Signed);
    assert_eq!(api.send(signed).await.status, StatusCode::UNAUTHORIZED);
    // And the console's cookie opens no API route.
    let cookie = format!("jobs_console={}", stack.console_token.as_str());
    let with_cookie = api.request(
        Method::GET,
        wire::local::FAULTS,
        None,
        &[("cookie", &cookie)],
        Signing::Unsigned,
    );
    assert_eq!(api.send(with_cookie).await.status, StatusCode::FORBIDDEN);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_sweep_redrives_a_job_whose_execution_was_lost() {
    use jobs_domain::ports::{JobStore, StatusChange};
    use jobs_domain::status::Cause;
    use jobs_domain::{Document, Job, JobId, JobStatus};

    let dir = tempfile::tempdir().unwrap();
    let mut config = jobs_local::config::Config::ephemeral(dir.path().to_path_buf());
    config.sweep_period = Duration::from_secs(1);
    let stack = common::start_with(config).await;
    let api = Api::of(&stack);
    // A job an execution marked Running an hour ago and then lost: nothing
    // records it as running now, so only the sweep can find it.
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let parameters = Document::from_value(example()).unwrap();
    let job = Job::queued(JobId::random(), parameters, hour_ago);
    stack.jobs.create(&job, None).await.unwrap();
    let running = StatusChange::new(job.id, JobStatus::Running, Cause::Execution, hour_ago);
    stack.jobs.transition(&running).await.unwrap();

    let id = job.id.to_string();
    let done = api.wait_for(&id, "Success", QUICK).await;
    assert!(done["results"].is_object(), "{done}");
    let executions = api.executions(&id).await.body["executions"].clone();
    let names: Vec<&str> = executions
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec![format!("{id}-redrive-1")]);
    stack.stop().await;
}
