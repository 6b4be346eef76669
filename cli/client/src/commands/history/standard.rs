//! `history` on a STANDARD state machine: Step Functions keeps each
//! execution's history (GetExecutionHistory, for 90 days after it ends), so
//! the events come from there, not from the log group.
//!
//! The executions of a job: the one named with its id (started by the API),
//! the sweeper's re-drives (`<id>-redrive-N`, numbered from 1), and the
//! replays, which EventBridge names and which carry the id only in their
//! input: those are found in the workflow's log group, and read, like the
//! others, with GetExecutionHistory.

use std::process::ExitCode;

use aws_sdk_sfn::types::HistoryEvent as SdkEvent;
use jobs_domain::ports::WorkflowInput;
use jobs_domain::JobId;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::express_log::{Executions, ExpressLogEvent, Num};
use super::log_group::{filter_all, term};
use crate::aws::errors::{self, AwsError};
use crate::aws::{links, outputs, Deployed};
use crate::output::Output;
use crate::render;

/// The ARN of the execution `name` of the state machine `machine`:
/// `...:stateMachine:M` gives `...:execution:M:name`.
pub(crate) fn execution_arn(machine: &str, name: &str) -> Option<String> {
    let (head, machine_name) = machine.split_once(":stateMachine:")?;
    Some(format!("{head}:execution:{machine_name}:{name}"))
}

/// The names the API and the sweeper give the executions of job `id`, in
/// order: the id, then each re-drive's.
fn named(id: &JobId, redrive: u32) -> String {
    let mut input = WorkflowInput::new(*id, Value::Null);
    input.redrive = (redrive > 0).then_some(redrive);
    input.execution_name()
}

fn put(details: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        details.insert(key.to_owned(), value);
    }
}

fn text(value: Option<&str>) -> Option<Value> {
    value.map(|v| Value::String(v.to_owned()))
}

fn truncated(
    value: Option<&aws_sdk_sfn::types::HistoryEventExecutionDataDetails>,
) -> Option<Value> {
    value.map(|d| json!({ "truncated": d.truncated() }))
}

/// The event's details, keyed as GetExecutionHistory's JSON keys them, for
/// the event types the timeline shows; `None` for the others.
fn details(e: &SdkEvent) -> Option<Value> {
    let mut d = Map::new();
    if let Some(x) = e.execution_started_event_details() {
        put(&mut d, "input", text(x.input()));
        put(&mut d, "inputDetails", truncated(x.input_details()));
        put(&mut d, "roleArn", text(x.role_arn()));
    } else if let Some(x) = e.execution_succeeded_event_details() {
        put(&mut d, "output", text(x.output()));
        put(&mut d, "outputDetails", truncated(x.output_details()));
    } else if let Some(x) = e.execution_failed_event_details() {
        put(&mut d, "error", text(x.error()));
        put(&mut d, "cause", text(x.cause()));
    } else if let Some(x) = e.execution_timed_out_event_details() {
        put(&mut d, "error", text(x.error()));
        put(&mut d, "cause", text(x.cause()));
    } else if let Some(x) = e.execution_aborted_event_details() {
        put(&mut d, "error", text(x.error()));
        put(&mut d, "cause", text(x.cause()));
    } else if let Some(x) = e.state_entered_event_details() {
        put(&mut d, "name", text(Some(x.name())));
        put(&mut d, "input", text(x.input()));
        put(&mut d, "inputDetails", truncated(x.input_details()));
    } else if let Some(x) = e.state_exited_event_details() {
        put(&mut d, "name", text(Some(x.name())));
        put(&mut d, "output", text(x.output()));
        put(&mut d, "outputDetails", truncated(x.output_details()));
    } else if let Some(x) = e.task_scheduled_event_details() {
        put(&mut d, "resourceType", text(Some(x.resource_type())));
        put(&mut d, "resource", text(Some(x.resource())));
        put(&mut d, "region", text(Some(x.region())));
        put(&mut d, "parameters", text(Some(x.parameters())));
        put(
            &mut d,
            "timeoutInSeconds",
            x.timeout_in_seconds().map(Value::from),
        );
        put(
            &mut d,
            "heartbeatInSeconds",
            x.heartbeat_in_seconds().map(Value::from),
        );
        put(
            &mut d,
            "taskCredentials",
            x.task_credentials()
                .and_then(|c| c.role_arn())
                .map(|arn| json!({ "roleArn": arn })),
        );
    } else if let Some(x) = e.task_started_event_details() {
        put(&mut d, "resourceType", text(Some(x.resource_type())));
        put(&mut d, "resource", text(Some(x.resource())));
    } else if let Some(x) = e.task_submitted_event_details() {
        put(&mut d, "resourceType", text(Some(x.resource_type())));
        put(&mut d, "resource", text(Some(x.resource())));
        put(&mut d, "output", text(x.output()));
        put(&mut d, "outputDetails", truncated(x.output_details()));
    } else if let Some(x) = e.task_succeeded_event_details() {
        put(&mut d, "resourceType", text(Some(x.resource_type())));
        put(&mut d, "resource", text(Some(x.resource())));
        put(&mut d, "output", text(x.output()));
        put(&mut d, "outputDetails", truncated(x.output_details()));
    } else if let Some(x) = e.task_failed_event_details() {
        put(&mut d, "resourceType", text(Some(x.resource_type())));
        put(&mut d, "resource", text(Some(x.resource())));
        put(&mut d, "error", text(x.error()));
        put(&mut d, "cause", text(x.cause()));
    } else if let Some(x) = e.task_timed_out_event_details() {
        put(&mut d, "resourceType", text(Some(x.resource_type())));
        put(&mut d, "resource", text(Some(x.resource())));
        put(&mut d, "error", text(x.error()));
        put(&mut d, "cause", text(x.cause()));
    } else if let Some(x) = e.map_state_started_event_details() {
        put(&mut d, "length", Some(Value::from(x.length())));
    } else if let Some(x) = e
        .map_iteration_started_event_details()
        .or(e.map_iteration_succeeded_event_details())
        .or(e.map_iteration_failed_event_details())
        .or(e.map_iteration_aborted_event_details())
    {
        put(&mut d, "name", text(x.name()));
        put(&mut d, "index", Some(Value::from(x.index())));
    } else {
        return None;
    }
    Some(Value::Object(d))
}

/// One event of GetExecutionHistory, as the log group would carry it, so both
/// types of workflow are grouped and drawn by the same code.
pub(crate) fn as_log_event(arn: &str, e: &SdkEvent) -> ExpressLogEvent {
    ExpressLogEvent {
        id: Num(u64::try_from(e.id()).unwrap_or_default()),
        previous_event_id: Num(u64::try_from(e.previous_event_id()).unwrap_or_default()),
        event_timestamp: Num(
            u64::try_from(e.timestamp().to_millis().unwrap_or_default()).unwrap_or_default()
        ),
        event_type: e.r#type().as_str().to_owned(),
        execution_arn: arn.to_owned(),
        details: details(e),
    }
}

/// Every event of the execution `arn`, every page; `None` when there is no
/// such execution (never started, or its history is past retention).
pub(crate) async fn history(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
) -> Result<Option<Vec<ExpressLogEvent>>, AwsError> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = match sfn
            .get_execution_history()
            .execution_arn(arn)
            .include_execution_data(true)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(page) => page,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_execution_does_not_exist()) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(errors::from_sdk("states:GetExecutionHistory", arn, e)),
        };
        events.extend(page.events().iter().map(|e| as_log_event(arn, e)));
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(Some(events)),
        }
    }
}

/// The raw events, for `--json`: each execution's as GetExecutionHistory
/// returned them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawHistory<'a> {
    state_machine_arn: &'a str,
    r#type: &'static str,
    executions: Vec<RawExecution>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawExecution {
    execution_arn: String,
    events: Vec<Value>,
}

pub(super) async fn run(
    deployed: &Deployed,
    machine: &str,
    id: JobId,
    json: bool,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let sfn = &deployed.clients.sfn;
    let mut found: Vec<(String, Vec<ExpressLogEvent>)> = Vec::new();
    // The execution named with the id, then each re-drive until one is missing.
    for redrive in 0.. {
        let arn = execution_arn(machine, &named(&id, redrive)).ok_or_else(|| {
            anyhow::anyhow!(
                "the stack's StateMachineArn output, {machine}, is not a state machine ARN"
            )
        })?;
        match history(sfn, &arn).await? {
            Some(events) => found.push((arn, events)),
            None if redrive == 0 => {}
            None => break,
        }
    }
    // Replays: named by EventBridge, found by the id in their logged input.
    let group = deployed.outputs.get(outputs::LOG_GROUP)?;
    let mut logged = Executions::default();
    for message in filter_all(&deployed.clients.logs, group, &term(&id.to_string())).await? {
        logged.add_message(&message);
    }
    let replays: Vec<String> = logged
        .arns()
        .filter(|arn| logged.is_of_job(arn, &id))
        .filter(|arn| !found.iter().any(|(a, _)| a == arn))
        .filter(|arn| arn.contains(":execution:"))
        .map(str::to_owned)
        .collect();
    for arn in replays {
        if let Some(events) = history(sfn, &arn).await? {
            found.push((arn, events));
        }
    }
    if found.is_empty() {
        anyhow::bail!(
            "no executions of job {id} in the STANDARD state machine {machine}: Step Functions \
             keeps an execution's history 90 days after it ends; check the id with \
             `jobs get {id}`"
        );
    }

    let arns: Vec<String> = found.iter().map(|(arn, _)| arn.clone()).collect();
    if json {
        let raw = RawHistory {
            state_machine_arn: machine,
            r#type: "STANDARD",
            executions: found
                .iter()
                .map(|(arn, events)| RawExecution {
                    execution_arn: arn.clone(),
                    events: events.iter().map(ExpressLogEvent::wire).collect(),
                })
                .collect(),
        };
        writeln!(output.out, "{}", render::pretty(&raw))?;
    }
    let mut executions = Executions::default();
    for event in found.into_iter().flat_map(|(_, events)| events) {
        executions.add(event);
    }
    let views = executions.views(&arns);
    if !json {
        write!(output.out, "{}", render::timeline(&views))?;
    }
    writeln!(
        output.err,
        "from GetExecutionHistory of the STANDARD state machine (each execution's history is \
         kept 90 days after it ends); replays found through the log group {group}"
    )?;
    for view in &views {
        if let Some(link) = links::execution(&view.execution_arn, view.start_date) {
            writeln!(output.err, "console: {link}")?;
        }
    }
    if !executions.unreadable.is_empty() {
        writeln!(
            output.err,
            "{} event(s) left out of the timeline, of types it does not draw (see --json): {}",
            executions.unreadable.len(),
            executions.unreadable[0]
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sfn::primitives::DateTime;
    use aws_sdk_sfn::types::{
        HistoryEventType, TaskCredentials, TaskScheduledEventDetails, TaskSubmittedEventDetails,
    };

    #[test]
    fn executions_are_named_on_the_state_machine_as_the_api_and_sweeper_name_them() {
        let machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:Jobs";
        let id: JobId = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".parse().unwrap();
        assert_eq!(
            execution_arn(machine, &named(&id, 0)).as_deref(),
            Some("arn:aws:states:eu-west-1:123456789012:execution:Jobs:3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f")
        );
        assert_eq!(
            execution_arn(machine, &named(&id, 2)).as_deref(),
            Some("arn:aws:states:eu-west-1:123456789012:execution:Jobs:3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f-redrive-2")
        );
        assert_eq!(
            execution_arn("arn:aws:lambda:eu-west-1:1:function:f", "x"),
            None
        );
    }

    fn event(kind: HistoryEventType) -> aws_sdk_sfn::types::builders::HistoryEventBuilder {
        SdkEvent::builder()
            .id(3)
            .previous_event_id(2)
            .timestamp(DateTime::from_secs(1_700_000_000))
            .r#type(kind)
    }

    #[test]
    fn a_callback_tasks_events_keep_their_credentials_and_submitted_output() {
        let scheduled = event(HistoryEventType::TaskScheduled)
            .task_scheduled_event_details(
                TaskScheduledEventDetails::builder()
                    .resource_type("sns")
                    .resource("publish.waitForTaskToken")
                    .region("eu-west-1")
                    .parameters("{}")
                    .task_credentials(TaskCredentials::builder().role_arn("arn:role").build())
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let e = as_log_event("arn:x", &scheduled)
            .to_history_event()
            .unwrap();
        let d = e.task_scheduled_event_details.unwrap();
        assert_eq!(d.task_credentials.unwrap().role_arn, "arn:role");

        let submitted = event(HistoryEventType::TaskSubmitted)
            .task_submitted_event_details(
                TaskSubmittedEventDetails::builder()
                    .resource_type("sns")
                    .resource("publish.waitForTaskToken")
                    .output(r#"{"MessageId":"m"}"#)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let e = as_log_event("arn:x", &submitted)
            .to_history_event()
            .unwrap();
        assert_eq!(e.event_type, jobs_asl::EventType::TaskSubmitted);
        let d = e.task_submitted_event_details.unwrap();
        assert_eq!(d.output.as_deref(), Some(r#"{"MessageId":"m"}"#));
    }
}
