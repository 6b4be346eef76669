//! Where a recorded execution that a stop cut off picks up again: the last state it entered,
//! the callback task's wait it was in, and the Map Run its distributed Map had started.

use jobs_asl::{EventType, HistoryEvent, Resume, ResumedWait};
use serde_json::Value;

use crate::store::OpenToken;

/// Where to pick an execution of the state set `set` (a definition, or a distributed Map's
/// item processor for a child) up: the last of its top-level states it entered, with the
/// input it entered with; or its first state if it entered none. A stop inside a Parallel
/// branch or an inline Map iteration resumes the Parallel or Map whole: the executor resumes
/// top-level states only, and state names are unique in a definition.
pub(super) fn plan_resume(events: &[HistoryEvent], set: &Value, input: &Value) -> Option<Resume> {
    let last_id = events.iter().map(|e| e.id).max()?;
    let states = set.get("States").and_then(Value::as_object);
    let top_level = |name: &str| states.is_none_or(|s| s.contains_key(name));
    let entered = events.iter().rev().find_map(|e| {
        if !entered_a_state(e.event_type) {
            return None;
        }
        let details = e.state_entered_event_details.as_ref()?;
        if !top_level(&details.name) {
            return None;
        }
        let input: Value = serde_json::from_str(details.input.as_deref()?).ok()?;
        Some((details.name.clone(), input))
    });
    let start_at = set
        .get("StartAt")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (state, input) = entered.unwrap_or_else(|| (start_at.to_owned(), input.clone()));
    Some(Resume {
        state,
        input,
        after_event_id: last_id,
        wait: None,
        map_run_arn: None,
    })
}

/// The wait to pick up when the state resumed is a callback task whose call returned
/// (TaskSubmitted, and nothing after it) and whose token is still open. A task cut off before
/// its call returned runs again, with a new token.
pub(super) fn resumed_wait(
    events: &[HistoryEvent],
    state: &str,
    open: &[OpenToken],
    now: chrono::DateTime<chrono::Utc>,
) -> Option<ResumedWait> {
    let entered = events.iter().rposition(|e| entered_a_state(e.event_type))?;
    let tail = &events[entered + 1..];
    let scheduled = tail
        .iter()
        .rfind(|e| e.event_type == EventType::TaskScheduled)?;
    if tail.last()?.event_type != EventType::TaskSubmitted {
        return None;
    }
    // The newest token this state opened: a retried task opens one per attempt.
    let token = open.iter().rfind(|t| t.state == state)?;
    Some(ResumedWait {
        token: token.token.clone(),
        elapsed: (now - scheduled.timestamp).to_std().unwrap_or_default(),
    })
}

/// The Map Run to rerun when the state resumed is a distributed Map that had started one:
/// the last MapRunStarted since the last state entered, unless its run ended after it.
pub(super) fn resumed_map_run(events: &[HistoryEvent]) -> Option<String> {
    let entered = events.iter().rposition(|e| entered_a_state(e.event_type))?;
    let tail = &events[entered + 1..];
    let started = tail
        .iter()
        .rposition(|e| e.event_type == EventType::MapRunStarted)?;
    let ended = tail[started + 1..].iter().any(|e| {
        matches!(
            e.event_type,
            EventType::MapRunSucceeded | EventType::MapRunFailed | EventType::MapRunAborted
        )
    });
    if ended {
        return None;
    }
    let details = tail[started].map_run_started_event_details.as_ref()?;
    Some(details.map_run_arn.clone())
}

/// The events that open a state, whose input the state starts again with.
fn entered_a_state(event: EventType) -> bool {
    use EventType::*;
    matches!(
        event,
        PassStateEntered
            | TaskStateEntered
            | ChoiceStateEntered
            | WaitStateEntered
            | SucceedStateEntered
            | FailStateEntered
            | ParallelStateEntered
            | MapStateEntered
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobs_asl::history::StateEnteredEventDetails;
    use serde_json::json;

    #[test]
    fn resume_picks_the_last_state_entered_with_its_input() {
        let input = json!({"id": "x", "parameters": {"n": 1}});
        let failure_input = json!({"id": "x", "parameters": {"n": 1}, "processorError": {"Error": "E", "Cause": ""}});
        let event = |id, event_type, details: Option<(&str, &Value)>| HistoryEvent {
            id,
            state_entered_event_details: details.map(|(name, input)| StateEnteredEventDetails {
                name: name.into(),
                input: Some(input.to_string()),
                input_details: None,
            }),
            ..HistoryEvent::new(event_type)
        };
        let events = vec![
            event(1, EventType::ExecutionStarted, None),
            event(2, EventType::TaskStateEntered, Some(("ProcessJob", &input))),
            event(3, EventType::TaskFailed, None),
            event(4, EventType::TaskStateExited, None),
            event(
                5,
                EventType::TaskStateEntered,
                Some(("RecordFailure", &failure_input)),
            ),
            event(6, EventType::TaskScheduled, None),
        ];
        let set =
            json!({"StartAt": "ProcessJob", "States": {"ProcessJob": {}, "RecordFailure": {}}});
        let resume = plan_resume(&events, &set, &input).unwrap();
        assert_eq!(resume.state, "RecordFailure");
        assert_eq!(resume.input, failure_input);
        assert_eq!(resume.after_event_id, 6);

        let only_started = plan_resume(&events[..1], &set, &input).unwrap();
        assert_eq!(only_started.state, "ProcessJob");
        assert_eq!(only_started.input, input);
        assert_eq!(only_started.after_event_id, 1);

        assert!(plan_resume(&[], &set, &input).is_none());

        // Stopped inside an inline Map's iteration: the Map is resumed whole, with its input.
        let map_input = json!({"items": [1, 2]});
        let nested = vec![
            event(1, EventType::ExecutionStarted, None),
            event(2, EventType::MapStateEntered, Some(("Fan", &map_input))),
            event(3, EventType::MapStateStarted, None),
            event(4, EventType::MapIterationStarted, None),
            event(5, EventType::TaskStateEntered, Some(("Work", &json!(1)))),
            event(6, EventType::TaskScheduled, None),
        ];
        let set = json!({"StartAt": "Fan", "States": {"Fan": {"ItemProcessor": {"States": {"Work": {}}}}}});
        let resume = plan_resume(&nested, &set, &json!({})).unwrap();
        assert_eq!(resume.state, "Fan");
        assert_eq!(resume.input, map_input);
        assert_eq!(resume.after_event_id, 6);
    }

    #[test]
    fn only_a_task_whose_call_returned_resumes_its_wait() {
        let t0 = chrono::Utc::now();
        let event = |id, event_type, secs| HistoryEvent {
            id,
            timestamp: t0 + chrono::Duration::seconds(secs),
            state_entered_event_details: (event_type == EventType::TaskStateEntered).then(|| {
                StateEnteredEventDetails {
                    name: "Approve".into(),
                    input: Some("{}".into()),
                    input_details: None,
                }
            }),
            ..HistoryEvent::new(event_type)
        };
        let open = vec![
            OpenToken {
                token: "old".into(),
                state: "Approve".into(),
            },
            OpenToken {
                token: "new".into(),
                state: "Approve".into(),
            },
        ];
        let mut events = vec![
            event(1, EventType::ExecutionStarted, 0),
            event(2, EventType::TaskStateEntered, 1),
            event(3, EventType::TaskScheduled, 2),
            event(4, EventType::TaskStarted, 2),
        ];
        let now = t0 + chrono::Duration::seconds(32);
        // Cut off during the call: it runs again.
        assert!(resumed_wait(&events, "Approve", &open, now).is_none());
        events.push(event(5, EventType::TaskSubmitted, 3));
        let w = resumed_wait(&events, "Approve", &open, now).unwrap();
        assert_eq!(w.token, "new");
        assert_eq!(w.elapsed, std::time::Duration::from_secs(30));
        // No open token (it ended, or another state's): nothing to wait on.
        assert!(resumed_wait(&events, "Approve", &open[..0], now).is_none());
        assert!(resumed_wait(&events, "Review", &open, now).is_none());
    }

    #[test]
    fn a_map_resumes_the_run_it_started_unless_the_run_ended() {
        use jobs_asl::history::{MapRunStartedEventDetails, StateEnteredEventDetails};
        let event = |id, event_type| {
            let mut e = HistoryEvent {
                id,
                ..HistoryEvent::new(event_type)
            };
            if event_type == EventType::MapStateEntered {
                e.state_entered_event_details = Some(StateEnteredEventDetails {
                    name: "Rows".into(),
                    input: Some("{}".into()),
                    input_details: None,
                });
            }
            if event_type == EventType::MapRunStarted {
                e.map_run_started_event_details = Some(MapRunStartedEventDetails {
                    map_run_arn: format!("run-{id}"),
                });
            }
            e
        };
        let mut events = vec![
            event(1, EventType::ExecutionStarted),
            event(2, EventType::MapStateEntered),
            event(3, EventType::MapStateStarted),
        ];
        assert_eq!(resumed_map_run(&events), None, "no run started yet");
        events.push(event(4, EventType::MapRunStarted));
        assert_eq!(resumed_map_run(&events).as_deref(), Some("run-4"));
        events.push(event(5, EventType::MapRunFailed));
        assert_eq!(resumed_map_run(&events), None, "its run ended");
        // Entered again (a retry): the run started since then is the one.
        events.push(event(6, EventType::MapStateEntered));
        events.push(event(7, EventType::MapStateStarted));
        events.push(event(8, EventType::MapRunStarted));
        assert_eq!(resumed_map_run(&events).as_deref(), Some("run-8"));
        // A run before the last state entered is not the resumed state's.
        events.push(event(9, EventType::MapStateEntered));
        assert_eq!(resumed_map_run(&events), None);
    }
}
