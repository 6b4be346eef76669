use jobs_asl::history::StateEnteredEventDetails;
use jobs_asl::{EventType, ExecutionStatus, HistoryEvent};
use jobs_wire::{ArchiveListing, ExecutionView, JobExecutions};
use serde_json::json;

use super::*;

const HISTORY: &str = include_str!("../../tests/fixtures/history.json");

#[test]
fn the_timeline_shows_each_execution_and_its_events() {
    let history: JobExecutions = serde_json::from_str(HISTORY).unwrap();
    let text = timeline(&history.executions);
    let lines: Vec<&str> = text.lines().collect();
    let has = |line: &str| {
        assert!(
            lines.iter().any(|l| l.trim_end() == line),
            "no line {line:?} in\n{text}"
        )
    };
    // Recorded from the local stack: the processor's and the error handler's
    // store writes were made to fail, then the archive was replayed.
    has("Execution 183d4281-48bf-46c2-9221-43cc193d179f  FAILED");
    has("  started 2026-11-25T18:43:48.254Z  stopped 2026-11-25T18:43:48.257Z  (0.003s)");
    has("  error   JobArchived: The job failed and its failure could not be recorded; it was sent to the failed-jobs archive and can be replayed.");
    has("     +0.001s  ExecutionStarted");
    has("     +0.001s  TaskStateEntered  ProcessJob");
    // Task events take the name of the state they run in; a Lambda's JSON
    // cause is reduced to its message.
    has("     +0.001s  TaskFailed        ProcessJob  JobStoreUnavailable: the job store is unavailable: injected fault: processor store writes fail");
    has("     +0.001s  TaskFailed        RecordFailure  JobStoreUnavailable: the job store is unavailable: injected fault: error handler store writes fail");
    has("     +0.003s  TaskSucceeded     ArchiveFailedJob");
    has("     +0.003s  FailStateEntered  JobArchived");
    has("     +0.003s  ExecutionFailed   JobArchived: The job failed and its failure could not be recorded; it was sent to the failed-jobs archive and can be replayed.");
    has("Execution 5b57d1d9-1343-49e6-ae37-0efe2e1860da  SUCCEEDED");
    has("  started 2026-11-25T18:43:49.488Z  stopped 2026-11-25T18:43:51.493Z  (2.005s)");
    has("  replay  replay-fixture");
    has("     +2.005s  TaskSucceeded       ProcessJob");
    has("     +2.005s  ExecutionSucceeded");
    // One line per event, plus the headers and the blank line between.
    let events: usize = history.executions.iter().map(|e| e.events.len()).sum();
    assert_eq!(lines.iter().filter(|l| l.contains("  +")).count(), events);
}

#[test]
fn a_map_run_shows_its_arn_and_its_failure() {
    use jobs_asl::history::{ErrorEventDetails, MapRunStartedEventDetails};
    let start = chrono::DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let event = |id, ms, event_type| HistoryEvent {
        id,
        previous_event_id: id - 1,
        timestamp: start + chrono::TimeDelta::milliseconds(ms),
        ..HistoryEvent::new(event_type)
    };
    let mut entered = event(2, 10, EventType::MapStateEntered);
    entered.state_entered_event_details = Some(StateEnteredEventDetails {
        name: "Rows".into(),
        ..Default::default()
    });
    let arn = "arn:aws:states:us-east-1:000000000000:mapRun:jobs-workflow/rows:0f3c";
    let mut started = event(4, 20, EventType::MapRunStarted);
    started.map_run_started_event_details = Some(MapRunStartedEventDetails {
        map_run_arn: arn.into(),
    });
    let mut failed = event(5, 900, EventType::MapRunFailed);
    failed.map_run_failed_event_details = Some(ErrorEventDetails {
        error: Some("States.ExceedToleratedFailureThreshold".into()),
        cause: Some("too many children failed".into()),
    });
    let execution = ExecutionView {
        execution_arn: "arn:aws:states:us-east-1:0:execution:m:n".into(),
        name: "n".into(),
        status: ExecutionStatus::Running,
        start_date: start,
        stop_date: None,
        input: json!({}),
        output: None,
        error: None,
        cause: None,
        replay_name: None,
        events: vec![
            event(1, 0, EventType::ExecutionStarted),
            entered,
            event(3, 15, EventType::MapStateStarted),
            started,
            failed,
        ],
        mocked_states: Vec::new(),
    };
    let text = timeline(&[execution]);
    assert!(
        text.contains(&format!("+0.020s  MapRunStarted     Rows  {arn}\n")),
        "{text}"
    );
    assert!(
        text.contains(
            "+0.900s  MapRunFailed      Rows  States.ExceedToleratedFailureThreshold: too many children failed\n"
        ),
        "{text}"
    );
}

#[test]
fn a_running_execution_has_no_stop_and_events_belong_to_the_state_entered_last() {
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let event = |id, ms, event_type| HistoryEvent {
        id,
        previous_event_id: id - 1,
        timestamp: start + chrono::TimeDelta::milliseconds(ms),
        ..HistoryEvent::new(event_type)
    };
    let mut entered = event(2, 1_500, EventType::TaskStateEntered);
    entered.state_entered_event_details = Some(StateEnteredEventDetails {
        name: "Work".into(),
        ..Default::default()
    });
    let execution = ExecutionView {
        execution_arn: "arn:aws:states:us-east-1:0:execution:m:n".into(),
        name: "n".into(),
        status: ExecutionStatus::Running,
        start_date: start,
        stop_date: None,
        input: json!({}),
        output: None,
        error: None,
        cause: None,
        replay_name: None,
        events: vec![
            event(1, 0, EventType::ExecutionStarted),
            entered,
            event(3, 1_700, EventType::TaskScheduled),
        ],
        mocked_states: Vec::new(),
    };
    let text = timeline(std::slice::from_ref(&execution));
    assert!(text.starts_with("Execution n  RUNNING\n"), "{text}");
    assert!(text.contains("stopped -\n"), "{text}");
    assert!(text.contains("     +0.000s  ExecutionStarted\n"), "{text}");
    assert!(text.contains("+1.500s  TaskStateEntered  Work\n"), "{text}");
    assert!(text.contains("+1.700s  TaskScheduled     Work\n"), "{text}");
    assert_eq!(timeline(&[]), "no executions\n");

    // A state the local stack's mock file answered: its task events say so, not its own.
    let mocked = ExecutionView {
        mocked_states: vec!["Work".into()],
        ..execution
    };
    let text = timeline(&[mocked]);
    assert!(
        text.contains("+1.700s  TaskScheduled     Work  (mocked)\n"),
        "{text}"
    );
    assert!(text.contains("+1.500s  TaskStateEntered  Work\n"), "{text}");
}

#[test]
fn the_archive_table_lists_time_job_and_both_errors() {
    let archive: ArchiveListing = serde_json::from_value(json!({
        "archiveName": "failed-jobs-archive",
        "events": [{
            "eventId": "e-1", "time": "2026-11-25T12:00:00.060Z", "source": "jobs.workflow",
            "detailType": "JobFailed",
            "detail": {
                "id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
                "parameters": {"n": 1000},
                "processorError": {"Error": "JobTooLong", "Cause": "{\"errorMessage\":\"n is 1000, the most is 180\"}"},
                "errorHandlerError": {"Error": "StoreUnavailable", "Cause": "injected"}
            }
        }]
    }))
    .unwrap();
    let text = archive_table(&archive);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("TIME"), "{text}");
    assert!(lines[0].contains("PROCESSOR ERROR") && lines[0].contains("ERROR HANDLER ERROR"));
    assert!(lines[1].starts_with("2026-11-25T12:00:00.060Z  3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f  JobTooLong: n is 1000, the most is 180  StoreUnavailable: injected"), "{text}");
    assert_eq!(lines[2], "1 archived event in failed-jobs-archive");
    let empty = ArchiveListing {
        archive_name: "a".into(),
        events: vec![],
    };
    assert!(archive_table(&empty).starts_with("no archived events in a"));
}

#[test]
fn a_job_prints_in_the_contracts_key_order() {
    let job: jobs_domain::JobView = serde_json::from_value(json!({
        "updatedAt": "2026-11-25T12:00:03.000Z", "status": "Success",
        "results": {"message": "m"}, "id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
        "createdAt": "2026-11-25T12:00:00.000Z", "parameters": {"n": 1}
    }))
    .unwrap();
    let text = job_json(&job);
    let order: Vec<usize> = [
        "\"id\"",
        "\"status\"",
        "\"parameters\"",
        "\"results\"",
        "\"createdAt\"",
        "\"updatedAt\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.starts_with("{\n  \"id\": "), "{text}");
    assert_eq!(
        serde_json::from_str::<jobs_domain::JobView>(&text).unwrap(),
        job
    );
}
