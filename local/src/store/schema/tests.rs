use std::path::Path;

use jobs_asl::HistoryEvent;
use jobs_domain::JobId;
use rusqlite::Connection;
use serde_json::json;

use super::VERSION;
use crate::store::{ArchiveStore, Db, ExecutionStatus, ExecutionStore};

/// The first layout, as version 0 files hold it.
const FIRST_LAYOUT: &str = r#"
CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, parameters TEXT NOT NULL,
    results TEXT, error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX jobs_by_status ON jobs(status);
CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, job_id TEXT NOT NULL,
    request_hash TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE executions (arn TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, job_id TEXT NOT NULL,
    status TEXT NOT NULL, start_date TEXT NOT NULL, stop_date TEXT, input TEXT NOT NULL,
    output TEXT, error TEXT, cause TEXT, replay_name TEXT, attempts INTEGER NOT NULL DEFAULT 1);
CREATE INDEX executions_by_job ON executions(job_id, start_date);
CREATE INDEX executions_by_status ON executions(status);
CREATE TABLE history_events (execution_arn TEXT NOT NULL, id INTEGER NOT NULL,
    event TEXT NOT NULL, PRIMARY KEY (execution_arn, id)) WITHOUT ROWID;
CREATE TABLE archive (event_id TEXT PRIMARY KEY, time TEXT NOT NULL, source TEXT NOT NULL,
    detail_type TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX archive_by_time ON archive(time);
CREATE TABLE replays (name TEXT PRIMARY KEY, event_start TEXT NOT NULL, event_end TEXT NOT NULL,
    started_at TEXT NOT NULL, events_replayed INTEGER NOT NULL);
"#;

fn arn(name: &str) -> String {
    format!("arn:aws:states:us-east-1:000000000000:execution:jobs-workflow:{name}")
}

/// A version 0 file with one job: its first execution FAILED (3 events), a
/// replay's execution still RUNNING (2 events), and another job's execution.
fn write_first_layout(dir: &Path, job: &JobId, other: &JobId) {
    let c = Connection::open(dir.join("jobs.sqlite3")).unwrap();
    c.execute_batch(FIRST_LAYOUT).unwrap();
    let insert = |name: &str, job: &JobId, status: &str, start: &str, replay: Option<&str>| {
        c.execute(
            "INSERT INTO executions (arn, name, job_id, status, start_date, input, replay_name)
             VALUES (?1, ?2, ?3, ?4, ?5, '{}', ?6)",
            rusqlite::params![arn(name), name, job.to_string(), status, start, replay],
        )
        .unwrap();
    };
    insert(
        &job.to_string(),
        job,
        "FAILED",
        "2026-11-25T10:00:00.000Z",
        None,
    );
    insert(
        &other.to_string(),
        other,
        "SUCCEEDED",
        "2026-11-25T10:00:01.000Z",
        None,
    );
    insert(
        "replayed-1",
        job,
        "RUNNING",
        "2026-11-25T11:00:00.000Z",
        Some("r1"),
    );
    c.execute(
        "INSERT INTO replays (name, event_start, event_end, started_at, events_replayed)
         VALUES ('r1', '2026-11-25T09:00:00.000Z', '2026-11-25T10:30:00.000Z',
                 '2026-11-25T11:00:00.000Z', 1)",
        [],
    )
    .unwrap();
    // Written out of order on purpose: the order comes from the ids.
    for (name, id) in [
        (job.to_string(), 3),
        (job.to_string(), 1),
        ("replayed-1".to_owned(), 2),
        (job.to_string(), 2),
        ("replayed-1".to_owned(), 1),
        (other.to_string(), 1),
    ] {
        c.execute(
            "INSERT INTO history_events (execution_arn, id, event) VALUES (?1, ?2, ?3)",
            rusqlite::params![arn(&name), id as i64, old_event(id, &name).to_string()],
        )
        .unwrap();
    }
}

/// A history event as the first layout stored it, naming its execution.
fn old_event(id: u64, execution: &str) -> serde_json::Value {
    json!({
        "id": id, "previousEventId": id - 1, "timestamp": 1795608000.0 + id as f64,
        "type": "PassStateEntered", "stateEnteredEventDetails": {"name": execution}
    })
}

fn user_version(dir: &Path) -> i64 {
    let c = Connection::open(dir.join("jobs.sqlite3")).unwrap();
    c.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn a_first_layout_file_keeps_every_execution_and_event() {
    let dir = tempfile::tempdir().unwrap();
    let (job, other) = (JobId::random(), JobId::random());
    write_first_layout(dir.path(), &job, &other);

    let db = Db::open(dir.path()).unwrap();
    assert_eq!(user_version(dir.path()), VERSION);
    let store = ExecutionStore::new(db.clone());

    let runs = store.for_job(&job).await.unwrap();
    let names: Vec<&str> = runs.iter().map(|(r, _)| r.name.as_str()).collect();
    assert_eq!(names, [job.to_string().as_str(), "replayed-1"]);
    let ids = |events: &[HistoryEvent]| -> Vec<u64> { events.iter().map(|e| e.id).collect() };
    assert_eq!(ids(&runs[0].1), [1, 2, 3]);
    let of = |e: &HistoryEvent| e.state_entered_event_details.as_ref().unwrap().name.clone();
    assert!(runs[0].1.iter().all(|e| of(e) == job.to_string()));
    assert_eq!(ids(&runs[1].1), [1, 2]);
    assert_eq!(runs[1].0.replay_name.as_deref(), Some("r1"));
    assert_eq!(runs[1].0.arn, arn("replayed-1"));
    assert_eq!(store.for_job(&other).await.unwrap().len(), 1);

    // The first layout sent a replay's events before answering; its replays
    // are complete.
    let replays: Vec<(String, String)> = db
        .read(|c| {
            let mut st = c.prepare("SELECT name, state FROM replays")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    assert_eq!(replays, [("r1".to_owned(), "COMPLETED".to_owned())]);
    let archive = ArchiveStore::new(db.clone());
    assert!(archive.unfinished_replays().await.unwrap().is_empty());

    let running = store.running().await.unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].name, "replayed-1");
    assert_eq!(running[0].status, ExecutionStatus::Running);
    assert_eq!(store.events(running[0].seq).await.unwrap().len(), 2);

    // The old tables are gone, and a new execution is numbered after the old.
    let leftovers: i64 = db
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_v1' OR name LIKE '%by_status'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(leftovers, 0);
    let seqs: Vec<i64> = runs.iter().map(|(r, _)| r.seq).collect();
    let mut record = runs[0].0.clone();
    record.name = "new".into();
    record.arn = arn("new");
    let seq = store.insert(&record).await.unwrap().unwrap();
    assert!(seqs.iter().all(|s| *s < seq), "{seqs:?} then {seq}");
    db.close();

    // Opening again changes nothing.
    let db = Db::open(dir.path()).unwrap();
    let store = ExecutionStore::new(db);
    assert_eq!(store.for_job(&job).await.unwrap(), runs);
}

#[tokio::test]
async fn a_file_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    {
        let c = Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
        c.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let err = Db::open(dir.path()).err().expect("refused").to_string();
    assert!(err.contains("newer version"), "{err}");
    assert!(err.contains("--data-dir"), "{err}");
    assert_eq!(user_version(dir.path()), 99);
    let c = Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
    let tables: i64 = c
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn the_writers_tables_have_no_index_on_a_random_key_but_the_lookups() {
    // Each index on a random key costs the writer a page per row; this pins
    // the set, so one added in passing is a decision, not an accident.
    let dir = tempfile::tempdir().unwrap();
    let _db = Db::open(dir.path()).unwrap();
    let c = Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
    let mut st = c
        .prepare(
            "SELECT tbl_name, name FROM sqlite_schema WHERE type = 'index'
             AND tbl_name IN ('jobs', 'executions', 'history_events') ORDER BY 1, 2",
        )
        .unwrap();
    let indexes: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expect = [
        // Partial: only the children of Map Runs.
        ("executions", "executions_by_map_run"),
        ("executions", "executions_replayed"),
        ("executions", "executions_running"),
        ("executions", "sqlite_autoindex_executions_1"),
        ("history_events", "history_by_execution"),
        // Keyed by creation time, which only grows: the console's list.
        ("jobs", "jobs_listed"),
        ("jobs", "jobs_listed_per_status"),
        ("jobs", "jobs_unfinished"),
        ("jobs", "sqlite_autoindex_jobs_1"),
    ];
    let got: Vec<(&str, &str)> = indexes
        .iter()
        .map(|(t, n)| (t.as_str(), n.as_str()))
        .collect();
    assert_eq!(got, expect);
}

#[tokio::test]
async fn a_third_layout_file_gains_definitions_and_keeps_its_executions() {
    let dir = tempfile::tempdir().unwrap();
    let job = JobId::random();
    {
        let c = Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
        c.execute_batch(super::TABLES).unwrap();
        c.execute(
            "INSERT INTO executions (arn, name, job_id, status, start_date, input)
             VALUES (?1, ?2, ?2, 'SUCCEEDED', '2026-11-25T10:00:00.000Z', '{}')",
            rusqlite::params![arn(&job.to_string()), job.to_string()],
        )
        .unwrap();
        c.pragma_update(None, "user_version", 3).unwrap();
    }
    let db = Db::open(dir.path()).unwrap();
    assert_eq!(user_version(dir.path()), VERSION);
    let store = ExecutionStore::new(db.clone());
    let runs = store.for_job(&job).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].0.definition, None,
        "an old execution names no definition"
    );

    store
        .save_definition("h1", "{\"StartAt\": \"A\"}")
        .await
        .unwrap();
    store
        .save_definition("h1", "{\"StartAt\": \"A\"}")
        .await
        .unwrap();
    assert_eq!(
        store.definition("h1").await.unwrap().as_deref(),
        Some("{\"StartAt\": \"A\"}")
    );
    assert_eq!(store.definition("h2").await.unwrap(), None);
}

#[tokio::test]
async fn a_fourth_layout_file_gains_task_tokens_and_keeps_its_running_execution() {
    let dir = tempfile::tempdir().unwrap();
    let job = JobId::random();
    {
        let c = Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
        c.execute_batch(super::TABLES).unwrap();
        c.execute_batch(super::TO_DEFINITIONS).unwrap();
        c.execute_batch(super::CONSOLE_TABLES).unwrap();
        c.execute(
            "INSERT INTO executions (arn, name, job_id, status, start_date, input, definition)
             VALUES (?1, ?2, ?2, 'RUNNING', '2026-12-05T10:00:00.000Z', '{}', 'h1')",
            rusqlite::params![arn(&job.to_string()), job.to_string()],
        )
        .unwrap();
        c.pragma_update(None, "user_version", 4).unwrap();
    }
    let db = Db::open(dir.path()).unwrap();
    assert_eq!(user_version(dir.path()), VERSION);
    let running = ExecutionStore::new(db.clone()).running().await.unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].definition.as_deref(), Some("h1"));

    let tokens = crate::store::TokenStore::new(db.clone());
    let owner = jobs_asl::TokenOwner {
        execution_arn: arn(&job.to_string()),
        state_name: "Approve".into(),
    };
    tokens.open("t1", &owner, chrono::Utc::now());
    db.write(|_| Ok(())).await.unwrap();
    let open = tokens.open_for(&owner.execution_arn).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].token, "t1");
}

#[tokio::test]
async fn a_fifth_layout_file_gains_map_runs_and_keeps_its_executions_top_level() {
    let dir = tempfile::tempdir().unwrap();
    let job = JobId::random();
    {
        let c = Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
        c.execute_batch(super::TABLES).unwrap();
        c.execute_batch(super::TO_DEFINITIONS).unwrap();
        c.execute_batch(super::CONSOLE_TABLES).unwrap();
        c.execute_batch(super::TASK_TOKENS).unwrap();
        c.execute(
            "INSERT INTO executions (arn, name, job_id, status, start_date, input, definition)
             VALUES (?1, ?2, ?2, 'RUNNING', '2026-12-06T10:00:00.000Z', '{}', 'h1')",
            rusqlite::params![arn(&job.to_string()), job.to_string()],
        )
        .unwrap();
        c.pragma_update(None, "user_version", 5).unwrap();
    }
    let db = Db::open(dir.path()).unwrap();
    assert_eq!(user_version(dir.path()), VERSION);
    let store = ExecutionStore::new(db.clone());
    let running = store.running().await.unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].map_run, None, "an old execution is top-level");
    assert_eq!(store.for_job(&job).await.unwrap().len(), 1);
    let runs = crate::store::MapRunStore::new(db.clone());
    assert!(runs.by_id("x").await.unwrap().is_none());
}
