use std::sync::Mutex;

use async_trait::async_trait;
use chrono::TimeDelta;
use jobs_domain::ports::{StartError, SystemClock};

use super::*;
use crate::store::Db;

#[derive(Default)]
struct Recording(Mutex<Vec<WorkflowInput>>);

#[async_trait]
impl WorkflowStarter for Recording {
    async fn start(&self, input: &WorkflowInput) -> Result<(), StartError> {
        self.0.lock().unwrap().push(input.clone());
        Ok(())
    }
}

fn bus() -> (tempfile::TempDir, Bus, Arc<Recording>) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let bus = Bus::new(ArchiveStore::new(db), Arc::new(SystemClock));
    let starter = Arc::new(Recording::default());
    bus.set_workflow(starter.clone());
    (dir, bus, starter)
}

fn failed_entry(id: &JobId) -> Value {
    json!({
        "EventBusName": "failed-jobs",
        "Source": "jobs.workflow",
        "DetailType": "JobFailed",
        "Detail": {
            "id": id,
            "parameters": {"n": 1},
            "processorError": {"Error": "JobStoreUnavailable", "Cause": "{}"},
            "errorHandlerError": {"Error": "JobStoreUnavailable", "Cause": "{}"}
        }
    })
}

fn window() -> (DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    (now - TimeDelta::minutes(1), now + TimeDelta::minutes(1))
}

#[tokio::test]
async fn failed_job_events_are_archived_and_start_nothing() {
    let (_d, bus, starter) = bus();
    let id = JobId::random();
    let ids = bus.put_events(&[failed_entry(&id)]).await.unwrap();
    assert_eq!(ids.len(), 1);
    let (from, to) = window();
    let archived = bus.archive().between(from, to).await.unwrap();
    assert_eq!(archived.len(), 1);
    assert_eq!(archived[0].event_id, ids[0]);
    assert_eq!(archived[0].detail["id"], json!(id));
    assert!(starter.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn detail_sent_as_json_text_is_read_too() {
    let (_d, bus, _) = bus();
    let id = JobId::random();
    let mut entry = failed_entry(&id);
    entry["Detail"] = Value::String(entry["Detail"].to_string());
    bus.put_events(&[entry]).await.unwrap();
    let (from, to) = window();
    assert_eq!(
        bus.archive().between(from, to).await.unwrap()[0].detail["id"],
        json!(id)
    );
}

#[tokio::test]
async fn an_entry_past_what_eventbridge_takes_is_refused_and_nothing_is_archived() {
    let (_d, bus, _) = bus();
    let id = JobId::random();
    let mut entry = failed_entry(&id);
    let fixed = entry_size(SOURCE, DETAIL_TYPE, &entry["Detail"].to_string(), &[]);
    // The padding's JSON text is its length plus two quotes and `,"pad":`.
    let room = MAX_ENTRY_BYTES - fixed - r#","pad":"""#.len();
    entry["Detail"]["pad"] = Value::String("x".repeat(room));
    bus.put_events(std::slice::from_ref(&entry)).await.unwrap();
    entry["Detail"]["pad"] = Value::String("x".repeat(room + 1));
    let err = bus.put_events(&[entry]).await.unwrap_err();
    assert!(err.to_string().contains("at most 262144"), "{err}");
    let (from, to) = window();
    assert_eq!(bus.archive().between(from, to).await.unwrap().len(), 1);
}

#[tokio::test]
async fn other_events_are_not_archived() {
    let (_d, bus, _) = bus();
    let mut entry = failed_entry(&JobId::random());
    entry["DetailType"] = json!("SomethingElse");
    bus.put_events(&[entry]).await.unwrap();
    let (from, to) = window();
    assert!(bus.archive().between(from, to).await.unwrap().is_empty());

    let mut wrong_bus = failed_entry(&JobId::random());
    wrong_bus["EventBusName"] = json!("default");
    assert!(matches!(
        bus.put_events(&[wrong_bus]).await,
        Err(BusError::InvalidEntry(_))
    ));
}

#[tokio::test]
async fn a_replay_starts_the_workflow_once_per_event_and_archives_nothing_new() {
    let (_d, bus, starter) = bus();
    let (a, b) = (JobId::random(), JobId::random());
    bus.put_events(&[failed_entry(&a), failed_entry(&b)])
        .await
        .unwrap();
    let (from, to) = window();
    let outcome = bus.replay(Some("first".into()), from, to).await.unwrap();
    assert_eq!(outcome.events_replayed, 2);
    let started = starter.0.lock().unwrap().clone();
    assert_eq!(started.len(), 2);
    // Events archived in the same millisecond may come back in either order.
    let mut ids: Vec<JobId> = started.iter().map(|s| s.id).collect();
    ids.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(ids, expected);
    for s in &started {
        assert_eq!(s.parameters, json!({"n": 1}));
        assert_eq!(
            s.replay,
            Some(ReplayInfo {
                name: "first".into()
            })
        );
    }
    // The replayed events were not archived again.
    assert_eq!(bus.archive().between(from, to).await.unwrap().len(), 2);
    // Once every event is sent the replay is complete: a restart resumes nothing.
    assert!(bus.archive().unfinished_replays().await.unwrap().is_empty());
    assert_eq!(bus.resume_replays().await.unwrap(), 0);
    assert_eq!(starter.0.lock().unwrap().len(), 2);

    // A second replay over the same window replays the same two, no more.
    let again = bus.replay(None, from, to).await.unwrap();
    assert_eq!(again.events_replayed, 2);
    assert!(again.name.starts_with("replay-"));
}

#[tokio::test]
async fn replays_respect_the_window_and_names_are_unique() {
    let (_d, bus, starter) = bus();
    bus.put_events(&[failed_entry(&JobId::random())])
        .await
        .unwrap();
    let now = Utc::now();
    let outcome = bus
        .replay(
            None,
            now + TimeDelta::minutes(1),
            now + TimeDelta::minutes(2),
        )
        .await
        .unwrap();
    assert_eq!(outcome.events_replayed, 0);
    assert!(starter.0.lock().unwrap().is_empty());

    let (from, to) = window();
    bus.replay(Some("r".into()), from, to).await.unwrap();
    assert_eq!(
        bus.replay(Some("r".into()), from, to).await,
        Err(ReplayError::NameTaken("r".into()))
    );
    assert!(matches!(
        bus.replay(None, to, from).await,
        Err(ReplayError::Invalid(_))
    ));
    assert!(matches!(
        bus.replay(Some("bad name".into()), from, to).await,
        Err(ReplayError::Invalid(_))
    ));
}
