use chrono::{Duration, TimeZone, Utc};
use jobs_asl::EventType;
use serde_json::json;

use super::*;

fn store() -> (tempfile::TempDir, ExecutionStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    (dir, ExecutionStore::new(db))
}

fn at(second: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + Duration::seconds(second)
}

fn record(job: &JobId, name: &str, replay: Option<&str>, second: i64) -> ExecutionRecord {
    ExecutionRecord {
        seq: 0,
        arn: format!("arn:aws:states:us-east-1:000000000000:execution:jobs-workflow:{name}"),
        name: name.to_owned(),
        job_id: *job,
        status: ExecutionStatus::Running,
        start_date: at(second),
        stop_date: None,
        input: json!({"id": job.to_string()}),
        output: None,
        error: None,
        cause: None,
        replay_name: replay.map(str::to_owned),
        definition: None,
        map_run: None,
    }
}

/// An event told apart from others by its id and its previous event's id.
fn event(id: u64, previous: u64) -> HistoryEvent {
    HistoryEvent {
        id,
        previous_event_id: previous,
        timestamp: at(id as i64),
        ..HistoryEvent::new(EventType::PassStateEntered)
    }
}

/// Events are queued without waiting; an awaited write commits after them.
async fn flush(store: &ExecutionStore) {
    store.db.write(|_| Ok(())).await.unwrap();
}

/// Inserts and returns the record as stored.
async fn insert(store: &ExecutionStore, mut r: ExecutionRecord) -> ExecutionRecord {
    r.seq = store.insert(&r).await.unwrap().expect("a new name");
    r
}

#[tokio::test]
async fn a_name_is_started_once_and_each_execution_gets_a_later_seq() {
    let (_d, store) = store();
    let job = JobId::random();
    let first = insert(&store, record(&job, &job.to_string(), None, 0)).await;
    let replay = insert(&store, record(&job, "r-1", Some("replay-a"), 5)).await;
    assert!(first.seq > 0 && replay.seq > first.seq);
    assert_eq!(
        store
            .insert(&record(&job, &job.to_string(), None, 9))
            .await
            .unwrap(),
        None
    );
    // The refused start left the first record as it was.
    let stored: Vec<ExecutionRecord> = store
        .for_job(&job)
        .await
        .unwrap()
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(stored, [first, replay]);
}

#[tokio::test]
async fn events_come_back_in_id_order_for_their_execution_only() {
    let (_d, store) = store();
    let (a, b) = (JobId::random(), JobId::random());
    let ea = insert(&store, record(&a, &a.to_string(), None, 0)).await;
    let eb = insert(&store, record(&b, &b.to_string(), None, 0)).await;
    for (seq, id) in [(ea.seq, 2), (eb.seq, 1), (ea.seq, 1), (ea.seq, 3)] {
        store.append_event(seq, &event(id, 0)).unwrap();
    }
    // A re-driven execution writes an id again: the later event wins.
    let again = HistoryEvent {
        event_type: EventType::TaskStateEntered,
        ..event(3, 2)
    };
    store.append_event(ea.seq, &again).unwrap();
    flush(&store).await;
    let events = store.events(ea.seq).await.unwrap();
    assert_eq!(events, [event(1, 0), event(2, 0), again]);
    assert_eq!(store.events(eb.seq).await.unwrap(), [event(1, 0)]);
    assert_eq!(store.begin_redrive(ea.seq).await.unwrap(), 3);
    assert_eq!(store.begin_redrive(eb.seq + 1).await.unwrap(), 0);
}

#[tokio::test]
async fn finishing_records_the_ending_and_leaves_the_running_set() {
    let (_d, store) = store();
    let (a, b) = (JobId::random(), JobId::random());
    let ea = insert(&store, record(&a, &a.to_string(), None, 0)).await;
    insert(&store, record(&b, &b.to_string(), None, 1)).await;
    let names = |rs: Vec<ExecutionRecord>| rs.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.running().await.unwrap()),
        [a.to_string(), b.to_string()]
    );
    let ending = Ending {
        status: ExecutionStatus::Failed,
        at: at(4),
        output: None,
        error: Some("JobFailed".into()),
        cause: Some("it broke".into()),
    };
    store.finish(ea.seq, ending).await.unwrap();
    assert_eq!(names(store.running().await.unwrap()), [b.to_string()]);
    let only = |job: JobId| {
        let store = store.clone();
        async move { store.for_job(&job).await.unwrap().remove(0).0 }
    };
    let done = only(a).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.stop_date, Some(at(4)));
    assert_eq!(done.error.as_deref(), Some("JobFailed"));
    assert_eq!(done.cause.as_deref(), Some("it broke"));
    let other = only(b).await;
    assert_eq!(
        (other.status, other.stop_date),
        (ExecutionStatus::Running, None)
    );
}

#[tokio::test]
async fn a_job_lists_its_own_execution_and_its_replays_oldest_first() {
    let (_d, store) = store();
    let (job, other) = (JobId::random(), JobId::random());
    let replay_late = insert(&store, record(&job, "r-late", Some("replay-b"), 30)).await;
    let own = insert(&store, record(&job, &job.to_string(), None, 0)).await;
    let replay = insert(&store, record(&job, "r-early", Some("replay-a"), 10)).await;
    insert(&store, record(&other, &other.to_string(), None, 5)).await;
    insert(&store, record(&other, "r-other", Some("replay-a"), 12)).await;
    store.append_event(replay.seq, &event(1, 0)).unwrap();
    flush(&store).await;

    let runs = store.for_job(&job).await.unwrap();
    let got: Vec<(&str, usize)> = runs
        .iter()
        .map(|(r, e)| (r.name.as_str(), e.len()))
        .collect();
    assert_eq!(
        got,
        [
            (own.name.as_str(), 0),
            ("r-early", 1),
            (replay_late.name.as_str(), 0)
        ]
    );
    assert!(store.for_job(&JobId::random()).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_lookups_search_an_index_instead_of_scanning_executions() {
    let (_d, store) = store();
    let plans = store
        .db
        .read(|c| {
            let plan = |sql: &str| -> Result<String, DbError> {
                let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = st.query_map(["x"], |r| r.get::<_, String>(3))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?.join("; "))
            };
            Ok(vec![
                plan(&for_job_sql())?,
                plan("SELECT event FROM history_events WHERE execution = ?1 ORDER BY id")?,
            ])
        })
        .await
        .unwrap();
    for plan in plans {
        assert!(!plan.contains("SCAN"), "{plan}");
        assert!(plan.contains("USING"), "{plan}");
    }
}
