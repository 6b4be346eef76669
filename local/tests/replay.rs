//! The failed-jobs archive and its replays on the whole local stack: a
//! failure nothing could record is archived, a replay finishes it, and a
//! replay a stop cut off is finished at the next start, each job once.

mod common;

use jobs_wire as wire;

use common::{other_than_example, Api, QUICK};
use http::{Method, StatusCode};
use serde_json::{json, Value};

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

    let id = api.submit_example().await;
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
    assert!(job["results"].is_object(), "{job}");
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
    let ids = [
        api.submit_example().await,
        api.submit(&other_than_example()).await,
    ];
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
