//! The Task states' resources, served in-process: `lambda:invoke` calls a declared workflow
//! function (see [`crate::functions`]: the processor, the error handler, and any function
//! the manifest adds), the very code its Lambda runs, with the payload Lambda would deliver;
//! `events:putEvents` puts events on the local bus. Results and errors have the shapes Step
//! Functions gives them on AWS. Every other Task state (an undeclared function, a service
//! integration, `aws-sdk:*`, `.sync`) is answered by the mock file of `--mocks`, by state
//! name, or fails saying so.

use std::sync::Arc;

use async_trait::async_trait;
use jobs_asl::mock::MockTasks;
use jobs_asl::{EventType, HistoryEvent, TaskContext, TaskError, TaskHandler};
use jobs_domain::workflow::TaskFailure;
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::bus::{put_events_output, Bus, BusError};
use crate::functions::Functions;

pub const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";
pub const PUT_EVENTS: &str = "arn:aws:states:::events:putEvents";

pub struct LocalTasks {
    functions: Functions,
    bus: Arc<Bus>,
    mocks: Option<MockTasks>,
}

impl LocalTasks {
    pub fn new(functions: Functions, bus: Arc<Bus>) -> Self {
        Self {
            functions,
            bus,
            mocks: None,
        }
    }

    /// Answers the Task states the stack does not run from a mock file's test case.
    pub fn with_mocks(mut self, mocks: MockTasks) -> Self {
        self.mocks = Some(mocks);
        self
    }

    /// Whether a `lambda:invoke` names one of the functions the stack runs in-process.
    fn runs(&self, input: &Value) -> bool {
        runs(&self.functions, input)
    }

    fn served(&self) -> String {
        self.functions.names().collect::<Vec<_>>().join(", ")
    }

    async fn mocked(
        &self,
        resource: &str,
        input: Value,
        ctx: &TaskContext,
    ) -> Result<Value, TaskError> {
        let state = &*ctx.state_name;
        match &self.mocks {
            Some(mocks) if mocks.mocks(state) => {
                info!(state, resource, "task answered by the mock file");
                mocks.invoke(resource, input, ctx).await
            }
            Some(mocks) => {
                let case = mocks.test_case();
                Err(TaskError::new(
                    "States.Runtime",
                    format!(
                        "the local stack does not run {resource} (Task state \"{state}\"), and test \
                         case \"{}\" of state machine \"{}\" in the --mocks file has no response for \
                         it: add \"{state}\": \"<MockedResponseName>\" to that test case",
                        case.name, case.machine
                    ),
                ))
            }
            None => Err(TaskError::new(
                "States.Runtime",
                format!(
                    "the local stack does not run {resource} (Task state \"{state}\"): start it with \
                     --mocks FILE, a mock file (Step Functions Local's format) whose test case maps \
                     \"{state}\" to a mocked response; it runs the declared functions ({}) \
                     and events:putEvents itself",
                    self.served()
                ),
            )),
        }
    }

    async fn invoke_lambda(&self, input: Value, ctx: &TaskContext) -> Result<Value, TaskError> {
        let function = input
            .get("FunctionName")
            .and_then(Value::as_str)
            .ok_or_else(|| TaskError::new("States.Runtime", "FunctionName is required"))?;
        let payload = input.get("Payload").cloned().unwrap_or(Value::Null);
        let job_id = payload
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let name = function_name(function);
        let Some(f) = self.functions.get(name) else {
            return Err(TaskError::new(
                "Lambda.ResourceNotFoundException",
                format!(
                    "Function not found: {name} (the local stack runs the declared functions: {})",
                    self.served()
                ),
            ));
        };
        let outcome = f.invoke(payload).await;
        match outcome {
            Ok(output) => {
                info!(job_id, state = %ctx.state_name, function, "task succeeded");
                Ok(lambda_output(output))
            }
            // The handler logged the failure with its job id already.
            Err(failure) => Err(function_error(&failure)),
        }
    }

    async fn put_events(&self, input: Value, ctx: &TaskContext) -> Result<Value, TaskError> {
        let entries = input
            .get("Entries")
            .and_then(Value::as_array)
            .ok_or_else(|| TaskError::new("States.Runtime", "Entries must be an array"))?;
        match self.bus.put_events(entries).await {
            Ok(ids) => Ok(put_events_output(&ids)),
            Err(BusError::InvalidEntry(m)) => {
                Err(TaskError::new("EventBridge.ValidationException", m))
            }
            Err(BusError::Store(e)) => {
                warn!(state = %ctx.state_name, error = %e, "the bus could not take the events");
                Err(TaskError::new(
                    "EventBridge.InternalException",
                    e.to_string(),
                ))
            }
        }
    }
}

#[async_trait]
impl TaskHandler for LocalTasks {
    async fn invoke(
        &self,
        resource: &str,
        input: Value,
        ctx: &TaskContext,
    ) -> Result<Value, TaskError> {
        match resource {
            LAMBDA_INVOKE if self.runs(&input) => self.invoke_lambda(input, ctx).await,
            PUT_EVENTS => self.put_events(input, ctx).await,
            other => self.mocked(other, input, ctx).await,
        }
    }

    fn execution_ended(&self, execution_arn: &str) {
        if let Some(mocks) = &self.mocks {
            mocks.execution_ended(execution_arn);
        }
    }
}

/// The Task states of a history that the mock file answered: those whose resource the stack
/// does not run and whose task ended other than with the `States.Runtime` of a missing mock.
/// The console and `history` mark them. A task event belongs to the state entered last.
pub(crate) fn mocked_states(functions: &Functions, events: &[HistoryEvent]) -> Vec<String> {
    let mut mocked = std::collections::BTreeSet::new();
    let mut state: Option<&str> = None;
    let mut answered_by_mock = false;
    for e in events {
        if let Some(d) = &e.state_entered_event_details {
            state = Some(&d.name);
        }
        match e.event_type {
            EventType::TaskScheduled => {
                answered_by_mock = e.task_scheduled_event_details.as_ref().is_some_and(|d| {
                    let runs = match (d.resource_type.as_str(), d.resource.as_str()) {
                        ("lambda", "invoke") => serde_json::from_str(&d.parameters)
                            .is_ok_and(|p: Value| runs(functions, &p)),
                        ("events", "putEvents") => true,
                        _ => false,
                    };
                    !runs
                });
            }
            EventType::TaskSucceeded | EventType::TaskFailed | EventType::TaskTimedOut => {
                let missing = e
                    .task_failed_event_details
                    .as_ref()
                    .is_some_and(|d| d.error.as_deref() == Some("States.Runtime"));
                if answered_by_mock && !missing {
                    mocked.extend(state.map(str::to_owned));
                }
                answered_by_mock = false;
            }
            _ => {}
        }
    }
    mocked.into_iter().collect()
}

/// Whether a `lambda:invoke`'s input names one of `functions`.
fn runs(functions: &Functions, input: &Value) -> bool {
    input
        .get("FunctionName")
        .and_then(Value::as_str)
        .is_some_and(|f| functions.get(function_name(f)).is_some())
}

/// `arn:aws:lambda:r:a:function:name[:qualifier]`, `name:qualifier` or `name`.
fn function_name(function: &str) -> &str {
    let name = match function.split_once(":function:") {
        Some((_, rest)) => rest,
        None => function,
    };
    name.split(':').next().unwrap_or(name)
}

/// What `lambda:invoke` returns for a function that returned normally.
pub fn lambda_output(payload: Value) -> Value {
    json!({ "Payload": payload, "StatusCode": 200, "ExecutedVersion": "$LATEST" })
}

/// A function error as Step Functions reports it: named by the error type,
/// with Lambda's error document as the cause. The one place a handler's
/// failure becomes a Step Functions error locally.
pub fn function_error(failure: &TaskFailure) -> TaskError {
    TaskError::new(
        failure.error.clone(),
        json!({ "errorType": failure.error, "errorMessage": failure.message }).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_are_read_from_arns_and_qualifiers() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:000000000000:function:jobs-processor"),
            "jobs-processor"
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:000000000000:function:jobs-processor:$LATEST"),
            "jobs-processor"
        );
        assert_eq!(function_name("jobs-error-handler"), "jobs-error-handler");
    }

    #[test]
    fn a_failure_becomes_a_lambda_function_error() {
        let e = function_error(&TaskFailure {
            error: "JobTooLong".into(),
            message: "too long by 1000".into(),
        });
        assert_eq!(e.error, "JobTooLong");
        let cause: Value = serde_json::from_str(&e.cause).unwrap();
        assert_eq!(
            cause,
            json!({"errorType": "JobTooLong", "errorMessage": "too long by 1000"})
        );
    }
}
