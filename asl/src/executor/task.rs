//! Task states: the TaskScheduled/Started/Succeeded/Failed events around one call of the
//! task handler, under the task's timeout.

use super::dataflow::no_data;
use super::scope::Scope;
use super::size;
use super::{Executor, TaskContext};
use crate::definition::{Kind, Seconds, State};
use crate::error::{names, Failure, TaskError};
use crate::history::*;
use futures_util::FutureExt;
use serde_json::Value;
use std::time::Duration;

impl Executor {
    /// One attempt of a Task state with its effective input `params`.
    pub(super) async fn attempt_task(
        &self,
        sc: &Scope<'_>,
        st: &State,
        params: Value,
        timeout: Option<Duration>,
        retries: u32,
    ) -> Result<Value, Failure> {
        let Kind::Task {
            resource,
            resource_type,
            resource_name,
            heartbeat,
            ..
        } = &st.kind
        else {
            unreachable!("a Task state")
        };
        // Heartbeats have no effect here; a fixed value is reported as Step Functions does.
        let heartbeat = match heartbeat {
            Some(Seconds::Fixed(n)) => Some(*n),
            _ => None,
        };
        sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::TaskScheduled);
            e.task_scheduled_event_details = Some(TaskScheduledEventDetails {
                resource_type: resource_type.to_string(),
                resource: resource_name.to_string(),
                region: self.region.to_string(),
                parameters: params.to_string(),
                timeout_in_seconds: timeout.map(|d| d.as_secs()),
                heartbeat_in_seconds: heartbeat,
            });
            e
        });
        sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::TaskStarted);
            e.task_started_event_details = Some(TaskStartedEventDetails {
                resource_type: resource_type.to_string(),
                resource: resource_name.to_string(),
            });
            e
        });
        let tctx = TaskContext {
            execution_name: sc.ex.name.clone(),
            execution_arn: sc.ex.arn.clone(),
            state_machine_arn: sc.ex.sm_arn.clone(),
            state_name: st.name.clone(),
            retry_count: retries,
            timeout,
        };
        // A handler that panics fails its task, like a crashed function, instead of taking the
        // whole execution (and whoever awaits it) down.
        let call = std::panic::AssertUnwindSafe(self.handler.invoke(resource, params, &tctx))
            .catch_unwind()
            .map(|r| {
                r.unwrap_or_else(|panic| {
                    let msg = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "the task handler panicked".to_owned());
                    Err(TaskError::new(names::TASK_FAILED, msg))
                })
            });
        let r = match timeout {
            Some(d) => match tokio::time::timeout(d, call).await {
                Ok(r) => r.map_err(Failure::from),
                Err(_) => Err(Failure::new(
                    names::TIMEOUT,
                    format!("The task did not finish within {} seconds", d.as_secs()),
                )),
            },
            None => call.await.map_err(Failure::from),
        };
        let r = r.and_then(|out| within_limit(out, resource, resource_type));
        match &r {
            Ok(out) => {
                sc.emit(|| {
                    let mut e = HistoryEvent::new(EventType::TaskSucceeded);
                    e.task_succeeded_event_details = Some(TaskSucceededEventDetails {
                        resource_type: resource_type.to_string(),
                        resource: resource_name.to_string(),
                        output: Some(out.to_string()),
                        output_details: no_data(),
                    });
                    e
                });
            }
            Err(f) => {
                sc.emit(|| {
                    let timed_out = f.error == names::TIMEOUT;
                    let mut e = HistoryEvent::new(if timed_out {
                        EventType::TaskTimedOut
                    } else {
                        EventType::TaskFailed
                    });
                    let d = Some(TaskFailedEventDetails {
                        resource_type: resource_type.to_string(),
                        resource: resource_name.to_string(),
                        error: Some(f.error.clone()),
                        cause: Some(f.cause.clone()),
                    });
                    if timed_out {
                        e.task_timed_out_event_details = d;
                    } else {
                        e.task_failed_event_details = d;
                    }
                    e
                });
            }
        }
        r
    }
}

/// A task result over the limit fails the task as AWS fails it, naming the integration's
/// service (`lambda` for `arn:aws:states:::lambda:invoke`) or else the resource ARN.
fn within_limit(out: Value, resource: &str, resource_type: &str) -> Result<Value, Failure> {
    let name = if resource.starts_with("arn:aws:states:::") {
        resource_type
    } else {
        resource
    };
    size::check_returned(&out, name).map(|()| out)
}
