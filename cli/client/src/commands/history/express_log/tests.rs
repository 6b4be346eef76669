use chrono::DateTime;

use super::*;

/// Two executions of one job as Step Functions logs them (the workflow's
/// failure path, then a replay), and one event of another job's execution.
const LOGS: &str = include_str!("../../../../tests/fixtures/express_logs.json");
const JOB: &str = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";

fn messages() -> Vec<String> {
    let events: Vec<Value> = serde_json::from_str(LOGS).unwrap();
    events.iter().map(|e| e.to_string()).collect()
}

fn all() -> Executions {
    let mut executions = Executions::default();
    for message in messages() {
        executions.add_message(&message);
    }
    executions
}

#[test]
fn an_event_reads_as_the_history_event_get_execution_history_would_return() {
    let messages = messages();
    let failed = ExpressLogEvent::parse(&messages[4]).unwrap();
    assert_eq!(failed.id, Num(5));
    assert_eq!(failed.execution_name(), JOB);
    let event = failed.to_history_event().unwrap();
    assert_eq!(event.event_type, EventType::TaskFailed);
    assert_eq!(event.id, 5);
    assert_eq!(event.previous_event_id, 4);
    assert_eq!(
        event.timestamp,
        DateTime::parse_from_rfc3339("2026-11-25T12:00:00.412Z").unwrap()
    );
    let details = event.task_failed_event_details.unwrap();
    assert_eq!(details.error.as_deref(), Some("JobStoreUnavailable"));
    assert_eq!(details.resource_type, "lambda");

    let entered = ExpressLogEvent::parse(&messages[1])
        .unwrap()
        .to_history_event()
        .unwrap();
    assert_eq!(entered.state_name(), Some("ProcessJob"));
    let exited = ExpressLogEvent::parse(&messages[5])
        .unwrap()
        .to_history_event()
        .unwrap();
    assert_eq!(exited.state_name(), Some("ProcessJob"));
    assert!(exited.state_exited_event_details.unwrap().output.is_some());
}

#[test]
fn numbers_may_be_text_or_numbers_and_nothing_else() {
    let event = |id: &str| {
        format!(
            r#"{{"id":{id},"previous_event_id":"0","event_timestamp":1795608000000,
               "type":"ExecutionStarted","execution_arn":"a:b:c:d:e:f:g:name:run"}}"#
        )
    };
    assert_eq!(ExpressLogEvent::parse(&event("1")).unwrap().id, Num(1));
    assert_eq!(
        ExpressLogEvent::parse(&event("\"12\"")).unwrap().id,
        Num(12)
    );
    assert!(ExpressLogEvent::parse(&event("\"twelve\"")).is_err());
    assert!(ExpressLogEvent::parse("START RequestId: 1 Version: $LATEST").is_err());
}

#[test]
fn an_event_type_this_build_does_not_know_is_reported_not_guessed() {
    let unknown = ExpressLogEvent::parse(
        r#"{"id":"3","previous_event_id":"2","event_timestamp":"1795608000000",
            "type":"ActivityScheduled","execution_arn":"a:b:c:d:e:f:g:n:r",
            "details":{"resource":"arn:aws:states:us-east-1:1:activity:a"}}"#,
    )
    .unwrap();
    let why = unknown.to_history_event().unwrap_err();
    assert!(why.starts_with("ActivityScheduled event: "), "{why}");

    // A Map Run's start is known now, with the run's ARN.
    let map_run = ExpressLogEvent::parse(
        r#"{"id":"3","previous_event_id":"2","event_timestamp":"1795608000000",
            "type":"MapRunStarted","execution_arn":"a:b:c:d:e:f:g:n:r",
            "details":{"mapRunArn":"arn:aws:states:us-east-1:1:mapRun:m/r:1"}}"#,
    )
    .unwrap()
    .to_history_event()
    .unwrap();
    assert_eq!(
        map_run.map_run_started_event_details.unwrap().map_run_arn,
        "arn:aws:states:us-east-1:1:mapRun:m/r:1"
    );
}

#[test]
fn the_jobs_executions_are_the_one_named_by_it_and_its_replays() {
    let executions = all();
    let id: JobId = JOB.parse().unwrap();
    let arns: Vec<&str> = executions.arns().collect();
    assert_eq!(arns.len(), 3);
    let of_job: Vec<&str> = arns
        .iter()
        .copied()
        .filter(|arn| executions.is_of_job(arn, &id))
        .collect();
    assert_eq!(of_job.len(), 2, "{of_job:?}");
    assert!(of_job.iter().all(|arn| !arn.contains("9a8b7c6d")));
}

#[test]
fn executions_read_back_with_status_times_input_error_and_replay() {
    let mut executions = all();
    let id: JobId = JOB.parse().unwrap();
    let arns: Vec<String> = executions
        .arns()
        .filter(|arn| executions.is_of_job(arn, &id))
        .map(str::to_owned)
        .collect();
    let views = executions.views(&arns);
    assert!(
        executions.unreadable.is_empty(),
        "{:?}",
        executions.unreadable
    );
    assert_eq!(views.len(), 2);
    let (first, replay) = (&views[0], &views[1]);
    assert_eq!(first.name, JOB);
    assert_eq!(first.status, ExecutionStatus::Failed);
    assert_eq!(first.error.as_deref(), Some("JobArchived"));
    assert_eq!(first.events.len(), 18);
    assert_eq!(first.replay_name, None);
    assert_eq!(first.input, json!({"id": JOB, "parameters": {"n": 1}}));
    assert_eq!(
        first.stop_date.unwrap() - first.start_date,
        chrono::TimeDelta::milliseconds(868)
    );
    assert_eq!(replay.name, "b8f04a52-77e1-4d0c-8d43-5c1e9a7f2b60");
    assert_eq!(replay.status, ExecutionStatus::Succeeded);
    assert_eq!(
        replay.replay_name.as_deref(),
        Some("jobs-replay-20261125T130000Z")
    );
    assert_eq!(
        replay.output,
        Some(json!({"message": "I slept for 1 seconds"}))
    );
    let ids: Vec<u64> = replay.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn an_execution_still_logging_is_running_and_a_repeated_event_counts_once() {
    let mut executions = Executions::default();
    let messages = messages();
    for message in messages.iter().take(4).chain(messages.iter().take(2)) {
        executions.add_message(message);
    }
    let arns: Vec<String> = executions.arns().map(str::to_owned).collect();
    let views = executions.views(&arns);
    assert_eq!(views[0].status, ExecutionStatus::Running);
    assert_eq!(views[0].stop_date, None);
    assert_eq!(views[0].events.len(), 4);
}
