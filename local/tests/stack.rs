//! The whole local stack in-process, driven over HTTP on 127.0.0.1 with
//! signed requests, as a user would.

mod common;

use jobs_wire as wire;
use std::time::{Duration, SystemTime};

use common::{count, Api, Signing, QUICK};
use http::{Method, StatusCode};
use jobs_client::signing::Credentials;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_job_runs_to_success_with_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);

    let reply = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(r#"{"seconds": 1}"#),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(reply.headers["location"], wire::api::job(&id).as_str());
    assert!(reply.headers.contains_key("x-amzn-requestid"));

    let job = api.wait_for(&id, "Success", QUICK).await;
    assert_eq!(job["results"]["message"], "I slept for 1 seconds");
    assert_eq!(job["parameters"], json!({"seconds": 1}));

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
async fn a_job_too_long_for_the_workflow_fails_with_job_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let id = api.submit(1000).await;
    let job = api.wait_for(&id, "Failure", QUICK).await;
    assert_eq!(job["error"]["error"], "JobTooLong");
    assert!(job["error"]["cause"].as_str().unwrap().contains("180"));
    let execution = api
        .wait_for_execution(&id, QUICK, |e| e["status"] == "FAILED")
        .await;
    assert_eq!(execution["error"], "JobFailed");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_by_the_gateway_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    for body in [
        "",
        "nope",
        "[]",
        "{}",
        r#"{"seconds": 0}"#,
        r#"{"seconds": -1}"#,
        r#"{"seconds": 1.5}"#,
        r#"{"seconds": "3"}"#,
        r#"{"seconds": 86401}"#,
        r#"{"seconds": 1, "priority": "high"}"#,
    ] {
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
    let body: &[u8] = br#"{"seconds": 1}"#;
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
    *tampered.body_mut() = br#"{"seconds": 2}"#.to_vec();
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
            Some(r#"{"seconds": 1}"#),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    // Same body, other spacing: the same request.
    let again = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(r#"{ "seconds" : 1 }"#),
            &key,
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.body["id"], first.body["id"]);
    let conflict = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(r#"{"seconds": 2}"#),
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
            Some(r#"{"seconds": 2}"#),
            &[(wire::api::IDEMPOTENCY_KEY, "order-43")],
        )
        .await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
    assert_ne!(other.body["id"], first.body["id"]);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_the_error_handler_cannot_record_is_archived_and_a_replay_finishes_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let window_start = chrono::Utc::now() - chrono::TimeDelta::seconds(1);

    let faults = api
        .call(
            Method::PUT,
            wire::local::FAULTS,
            Some(r#"{"errorHandlerStoreWrites": "fail", "processorStoreWrites": "fail"}"#),
            &[],
        )
        .await;
    assert_eq!(faults.status, StatusCode::OK);
    assert_eq!(faults.body["errorHandlerStoreWrites"], "fail");

    let id = api.submit(1).await;
    let failed = api
        .wait_for_execution(&id, QUICK, |e| e["status"] == "FAILED")
        .await;
    assert_eq!(failed["error"], "JobArchived");
    // Nothing could be written: the job is still Queued.
    assert_eq!(api.job(&id).await.body["status"], "Queued");

    let archive = api.call(Method::GET, wire::local::ARCHIVE, None, &[]).await;
    assert_eq!(archive.body["archiveName"], "failed-jobs-archive");
    let events: Vec<Value> = archive.body["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["detail"]["id"], id.as_str());
    assert_eq!(events[0]["detailType"], "JobFailed");
    assert_eq!(
        events[0]["detail"]["errorHandlerError"]["Error"],
        "JobStoreUnavailable"
    );

    api.call(
        Method::PUT,
        wire::local::FAULTS,
        Some(r#"{"errorHandlerStoreWrites": "ok", "processorStoreWrites": "ok"}"#),
        &[],
    )
    .await;
    let to = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    let replay = api
        .call(
            Method::POST,
            wire::local::REPLAYS,
            Some(
                &json!({"name": "again", "from": window_start.to_rfc3339(), "to": to.to_rfc3339()})
                    .to_string(),
            ),
            &[],
        )
        .await;
    assert_eq!(replay.status, StatusCode::ACCEPTED, "{:?}", replay.body);
    assert_eq!(
        replay.body,
        json!({"replayName": "again", "state": "COMPLETED", "eventsReplayed": 1})
    );

    let job = api.wait_for(&id, "Success", QUICK).await;
    assert_eq!(job["results"]["message"], "I slept for 1 seconds");
    let replayed = api
        .wait_for_execution(&id, QUICK, |e| e["replayName"] == "again")
        .await;
    assert_eq!(replayed["input"]["replay"]["name"], "again");

    // The replayed event was not archived again: replays never loop.
    let archive = api.call(Method::GET, wire::local::ARCHIVE, None, &[]).await;
    assert_eq!(archive.body["events"].as_array().unwrap().len(), 1);

    let taken = api
        .call(
            Method::POST,
            wire::local::REPLAYS,
            Some(
                &json!({"name": "again", "from": window_start.to_rfc3339(), "to": to.to_rfc3339()})
                    .to_string(),
            ),
            &[],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_error_handler_fault_alone_archives_a_failing_job() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = jobs_local::Config::ephemeral(dir.path().to_path_buf());
    config.faults = vec!["error-handler-writes".into()];
    let stack = common::start_with(config).await;
    let api = Api::of(&stack);
    let faults = api.call(Method::GET, wire::local::FAULTS, None, &[]).await;
    assert_eq!(
        faults.body,
        json!({"errorHandlerStoreWrites": "fail", "processorStoreWrites": "ok"})
    );
    let id = api.submit(1000).await;
    api.wait_for_execution(&id, QUICK, |e| e["error"] == "JobArchived")
        .await;
    let archive = api.call(Method::GET, wire::local::ARCHIVE, None, &[]).await;
    let detail = &archive.body["events"][0]["detail"];
    assert_eq!(detail["id"], id.as_str());
    assert_eq!(detail["processorError"]["Error"], "JobTooLong");
    stack.stop().await;
}

/// Each job reached Success, and the replay started exactly one execution
/// for it.
async fn replayed_once(api: &Api, ids: &[String], replay: &str) {
    for id in ids {
        api.wait_for(id, "Success", QUICK).await;
        let all = api.executions(id).await.body["executions"].clone();
        let replays: Vec<&Value> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["replayName"] == replay)
            .collect();
        assert_eq!(replays.len(), 1, "job {id}: {all:?}");
        assert_eq!(replays[0]["status"], "SUCCEEDED");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_cut_off_by_a_stop_is_finished_at_the_next_start_and_starts_each_job_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = jobs_local::Config::ephemeral(dir.path().to_path_buf());
    config.faults = vec!["processor-writes".into(), "error-handler-writes".into()];
    let stack = common::start_with(config).await;
    let api = Api::of(&stack);
    let from = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    let ids = [api.submit(1).await, api.submit(1).await];
    for id in &ids {
        api.wait_for_execution(id, QUICK, |e| e["error"] == "JobArchived")
            .await;
    }
    let to = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    stack.stop().await;

    // As a stop leaves a replay it cut off: recorded, not all events sent.
    {
        let db = rusqlite::Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
        db.execute(
            "INSERT INTO replays (name, event_start, event_end, started_at, events_replayed, state)
             VALUES ('cut-off', ?1, ?2, ?2, 2, 'RUNNING')",
            rusqlite::params![
                jobs_domain::job::timestamp(&from),
                jobs_domain::job::timestamp(&to)
            ],
        )
        .unwrap();
    }
    let stack = common::start(dir.path()).await;
    replayed_once(&Api::of(&stack), &ids, "cut-off").await;
    stack.stop().await;

    // Cut off again after every event was sent: nothing starts twice.
    {
        let db = rusqlite::Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
        let n = db
            .execute(
                "UPDATE replays SET state = 'RUNNING' WHERE name = 'cut-off' AND state = 'COMPLETED'",
                [],
            )
            .unwrap();
        assert_eq!(n, 1, "the first restart marked the replay completed");
    }
    let stack = common::start(dir.path()).await;
    replayed_once(&Api::of(&stack), &ids, "cut-off").await;
    let left: i64 = stack
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM replays WHERE state = 'RUNNING'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(left, 0);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_and_unfinished_executions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let done = api.submit(1).await;
    let before = api.wait_for(&done, "Success", QUICK).await;
    let running = api.submit(2).await;
    api.wait_for(&running, "Running", QUICK).await;
    stack.stop().await;

    let stack = common::start(dir.path()).await;
    assert_eq!(stack.recovery.executions_resumed, 1);
    let api = Api::of(&stack);
    assert_eq!(api.job(&done).await.body, before);
    let finished = api.wait_for(&running, "Success", QUICK).await;
    assert_eq!(finished["results"]["message"], "I slept for 2 seconds");
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

    let ok = api.submit(1).await;
    let job = api.wait_for(&ok, "Success", QUICK).await;
    assert_eq!(job["results"]["message"], "I slept for 1 seconds");
    let execution = api
        .wait_for_execution(&ok, QUICK, |e| e["status"] == "SUCCEEDED")
        .await;
    assert_eq!(execution["output"]["status"], "Success");

    let too_long = api.submit(1000).await;
    let job = api.wait_for(&too_long, "Failure", QUICK).await;
    assert_eq!(job["error"]["error"], "JobTooLong");
    api.wait_for_execution(&too_long, QUICK, |e| e["error"] == "JobFailed")
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
    let archived = api.submit(1000).await;
    api.wait_for_execution(&archived, QUICK, |e| e["error"] == "JobArchived")
        .await;
    let archive = api.call(Method::GET, wire::local::ARCHIVE, None, &[]).await;
    let detail = &archive.body["events"][0]["detail"];
    assert_eq!(detail["id"], archived.as_str());
    assert_eq!(detail["processorError"]["Error"], "JobTooLong");
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
    use jobs_domain::{Job, JobId, JobParameters, JobStatus};

    let dir = tempfile::tempdir().unwrap();
    let mut config = jobs_local::config::Config::ephemeral(dir.path().to_path_buf());
    config.sweep_period = Duration::from_secs(1);
    let stack = common::start_with(config).await;
    let api = Api::of(&stack);
    // A job an execution marked Running an hour ago and then lost: nothing
    // records it as running now, so only the sweep can find it.
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let job = Job::queued(JobId::random(), JobParameters { seconds: 1 }, hour_ago);
    stack.jobs.create(&job, None).await.unwrap();
    let running = StatusChange::new(job.id, JobStatus::Running, Cause::Execution, hour_ago);
    stack.jobs.transition(&running).await.unwrap();

    let id = job.id.to_string();
    let done = api.wait_for(&id, "Success", QUICK).await;
    assert_eq!(done["results"]["message"], "I slept for 1 seconds");
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
