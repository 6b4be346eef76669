//! Step Functions' CloudWatch Logs format for Express executions, read back
//! as the executions the local stack would show.
//!
//! Each log event's message is one JSON object: `id`, `previous_event_id`,
//! `event_timestamp` (milliseconds since the epoch), `type` (a history event
//! type), `execution_arn`, and `details`, which holds what
//! GetExecutionHistory would put in the event's `<type>EventDetails` field.

use std::collections::BTreeMap;

use jobs_asl::{EventType, ExecutionStatus, HistoryEvent};
use jobs_domain::ports::WorkflowInput;
use jobs_domain::JobId;
use jobs_wire::ExecutionView;
use serde::Deserialize;
use serde_json::{json, Value};

/// A number Step Functions writes as text (`"3"`) or as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Num(pub(crate) u64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(u64),
            Text(String),
        }
        match Either::deserialize(d)? {
            Either::Number(n) => Ok(Num(n)),
            Either::Text(t) => t
                .trim()
                .parse()
                .map(Num)
                .map_err(|_| serde::de::Error::custom(format!("{t:?} is not a number"))),
        }
    }
}

/// One log event of the workflow's log group.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ExpressLogEvent {
    pub(crate) id: Num,
    pub(crate) previous_event_id: Num,
    /// Milliseconds since the epoch.
    pub(crate) event_timestamp: Num,
    #[serde(rename = "type")]
    pub(crate) event_type: String,
    pub(crate) execution_arn: String,
    #[serde(default)]
    pub(crate) details: Option<Value>,
}

/// The `*EventDetails` field of GetExecutionHistory that holds the details
/// of an event of this type.
fn details_field(event_type: &str) -> String {
    if event_type.ends_with("StateEntered") {
        return "stateEnteredEventDetails".to_owned();
    }
    if event_type.ends_with("StateExited") {
        return "stateExitedEventDetails".to_owned();
    }
    let mut chars = event_type.chars();
    let first = chars.next().map(|c| c.to_ascii_lowercase());
    format!(
        "{}{}EventDetails",
        first.into_iter().collect::<String>(),
        chars.as_str()
    )
}

impl ExpressLogEvent {
    pub(crate) fn parse(message: &str) -> Result<Self, String> {
        serde_json::from_str(message).map_err(|e| e.to_string())
    }

    /// The event as GetExecutionHistory shapes it, or why it cannot be (an
    /// event type this build does not know).
    pub(crate) fn to_history_event(&self) -> Result<HistoryEvent, String> {
        serde_json::from_value(self.wire()).map_err(|e| format!("{} event: {e}", self.event_type))
    }

    /// The event as GetExecutionHistory's JSON has it, whatever its type.
    pub(crate) fn wire(&self) -> Value {
        let mut event = json!({
            "id": self.id.0,
            "previousEventId": self.previous_event_id.0,
            "timestamp": self.event_timestamp.0 as f64 / 1000.0,
            "type": self.event_type,
        });
        if let Some(details) = self.details.as_ref().filter(|d| d.is_object()) {
            event[details_field(&self.event_type)] = details.clone();
        }
        event
    }

    /// The execution's name: the part of the ARN after the state machine's
    /// (`arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:RUN`, or
    /// `...:execution:MACHINE:NAME` for a STANDARD execution).
    pub(crate) fn execution_name(&self) -> &str {
        self.execution_arn
            .split(':')
            .nth(7)
            .unwrap_or(&self.execution_arn)
    }
}

/// Log events grouped into executions, the way `history` shows them.
#[derive(Debug, Default)]
pub(crate) struct Executions {
    by_arn: BTreeMap<String, Vec<ExpressLogEvent>>,
    /// Events that could not be read, with why.
    pub(crate) unreadable: Vec<String>,
}

impl Executions {
    pub(crate) fn add_message(&mut self, message: &str) {
        match ExpressLogEvent::parse(message) {
            Ok(event) => self.add(event),
            Err(why) => self.unreadable.push(why),
        }
    }

    pub(crate) fn add(&mut self, event: ExpressLogEvent) {
        let events = self.by_arn.entry(event.execution_arn.clone()).or_default();
        if !events.iter().any(|e| e.id == event.id) {
            events.push(event);
        }
    }

    /// The executions' ARNs.
    pub(crate) fn arns(&self) -> impl Iterator<Item = &str> {
        self.by_arn.keys().map(String::as_str)
    }

    /// Whether the execution ran job `id`: named with it (started by the
    /// API), or started with it in its input (started by a replay).
    pub(crate) fn is_of_job(&self, arn: &str, id: &JobId) -> bool {
        let Some(events) = self.by_arn.get(arn) else {
            return false;
        };
        let named = events
            .first()
            .is_some_and(|e| e.execution_name() == id.to_string());
        named || started_with(events).is_some_and(|input| input.id == *id)
    }

    /// The executions in `arns`, oldest first, as views; events this build
    /// cannot read are counted in `unreadable`.
    pub(crate) fn views(&mut self, arns: &[String]) -> Vec<ExecutionView> {
        let mut views = Vec::new();
        for arn in arns {
            let Some(events) = self.by_arn.get_mut(arn) else {
                continue;
            };
            events.sort_by_key(|e| e.id.0);
            let mut history = Vec::new();
            for event in events.iter() {
                match event.to_history_event() {
                    Ok(e) => history.push(e),
                    Err(why) => self.unreadable.push(why),
                }
            }
            if let Some(view) = view_of(arn, &history) {
                views.push(view);
            }
        }
        views.sort_by_key(|v| v.start_date);
        views
    }
}

/// The workflow input of an execution, read from its ExecutionStarted event.
fn started_with(events: &[ExpressLogEvent]) -> Option<WorkflowInput> {
    let started = events.iter().find(|e| e.event_type == "ExecutionStarted")?;
    let input = started.details.as_ref()?.get("input")?.as_str()?;
    serde_json::from_str(input).ok()
}

/// A data field of the history (input, output), which is JSON text.
fn data(text: Option<&String>) -> Option<Value> {
    text.map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.clone())))
}

fn view_of(arn: &str, events: &[HistoryEvent]) -> Option<ExecutionView> {
    let first = events.first()?;
    let started = events
        .iter()
        .find(|e| e.event_type == EventType::ExecutionStarted);
    let input = started
        .and_then(|e| e.execution_started_event_details.as_ref())
        .and_then(|d| data(d.input.as_ref()))
        .unwrap_or(Value::Null);
    let replay_name = serde_json::from_value::<WorkflowInput>(input.clone())
        .ok()
        .and_then(|i| i.replay)
        .map(|r| r.name);
    let end = events.iter().rev().find_map(|e| {
        let status = match e.event_type {
            EventType::ExecutionSucceeded => ExecutionStatus::Succeeded,
            EventType::ExecutionFailed => ExecutionStatus::Failed,
            EventType::ExecutionTimedOut => ExecutionStatus::TimedOut,
            EventType::ExecutionAborted => ExecutionStatus::Aborted,
            _ => return None,
        };
        Some((status, e))
    });
    let failure = end.and_then(|(_, e)| {
        e.execution_failed_event_details
            .as_ref()
            .or(e.execution_timed_out_event_details.as_ref())
            .or(e.execution_aborted_event_details.as_ref())
    });
    Some(ExecutionView {
        execution_arn: arn.to_owned(),
        name: arn.split(':').nth(7).unwrap_or(arn).to_owned(),
        status: end.map_or(ExecutionStatus::Running, |(s, _)| s),
        start_date: started.unwrap_or(first).timestamp,
        stop_date: end.map(|(_, e)| e.timestamp),
        input,
        output: end
            .and_then(|(_, e)| e.execution_succeeded_event_details.as_ref())
            .and_then(|d| data(d.output.as_ref())),
        error: failure.and_then(|f| f.error.clone()),
        cause: failure.and_then(|f| f.cause.clone()),
        replay_name,
        events: events.to_vec(),
        mocked_states: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
