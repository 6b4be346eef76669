//! Task states: the TaskScheduled/Started/Succeeded/Failed events around one call of the
//! task handler, under the task's timeout. A callback task records TaskSubmitted when its
//! call returns, then waits for its token; a wait resumed after a restart only waits.

use super::dataflow::no_data;
use super::retry_catch::Timing;
use super::scope::Scope;
use super::size;
use super::{Callbacks, Executor, Signal, TaskContext, TokenOwner};
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
        timing: Timing,
        retries: u32,
        token: Option<&str>,
    ) -> Result<Value, Failure> {
        // A wait picked up after a restart: the call was made and its events recorded.
        let resumed = if sc.top {
            sc.ex.take_resumed_wait(&st.name)
        } else {
            None
        };
        let timeout = match &resumed {
            // At least a moment, so a task past its time fails by its timeout, as it would have.
            Some(r) => timing
                .timeout
                .map(|t| t.saturating_sub(r.elapsed).max(Duration::from_millis(1))),
            None => timing.timeout,
        };
        let Kind::Task {
            resource,
            resource_type,
            resource_name,
            ..
        } = &st.kind
        else {
            unreachable!("a Task state")
        };
        if resumed.is_none() {
            self.scheduled(sc, st, &params, &timing, timeout);
        }
        let tctx = TaskContext {
            execution_name: sc.ex.name.clone(),
            execution_arn: sc.ex.arn.clone(),
            state_machine_arn: sc.ex.sm_arn.clone(),
            state_name: st.name.clone(),
            retry_count: retries,
            timeout,
        };
        // The token opens before the call, so a resource that answers at once is heard.
        let waiting = match &self.callbacks {
            Some(cb) if resource.ends_with(".waitForTaskToken") => {
                let token = resumed
                    .as_ref()
                    .map(|r| r.token.clone())
                    .or_else(|| token.map(str::to_owned))
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                let owner = TokenOwner {
                    execution_arn: sc.ex.arn.to_string(),
                    state_name: st.name.to_string(),
                };
                let rx = cb.open(&token, &owner);
                Some(Waiting {
                    callbacks: cb.as_ref(),
                    token,
                    rx,
                })
            }
            _ => None,
        };
        let resumed = resumed.is_some();
        // A handler that panics fails its task, like a crashed function, instead of taking the
        // whole execution (and whoever awaits it) down.
        let call = std::panic::AssertUnwindSafe(async {
            if resumed {
                return Ok(Value::Null);
            }
            self.handler.invoke(resource, params, &tctx).await
        })
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
        let call = async {
            let out = call.await.map_err(Failure::from)?;
            match waiting {
                Some(w) => {
                    if !resumed {
                        sc.emit(|| {
                            let mut e = HistoryEvent::new(EventType::TaskSubmitted);
                            e.task_submitted_event_details = Some(TaskSucceededEventDetails {
                                resource_type: resource_type.to_string(),
                                resource: resource_name.to_string(),
                                output: Some(out.to_string()),
                                output_details: no_data(),
                            });
                            e
                        });
                    }
                    w.wait(timing.heartbeat).await
                }
                None => Ok(out),
            }
        };
        let r = match timeout {
            Some(d) => match tokio::time::timeout(d, call).await {
                Ok(r) => r,
                Err(_) => Err(Failure::new(
                    names::TIMEOUT,
                    format!("The task did not finish within {} seconds", d.as_secs()),
                )),
            },
            None => call.await,
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
                    let timed_out =
                        f.error == names::TIMEOUT || f.error == names::HEARTBEAT_TIMEOUT;
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

    /// The TaskScheduled and TaskStarted events of an attempt.
    fn scheduled(
        &self,
        sc: &Scope<'_>,
        st: &State,
        params: &Value,
        timing: &Timing,
        timeout: Option<Duration>,
    ) {
        let Kind::Task {
            resource_type,
            resource_name,
            heartbeat,
            ..
        } = &st.kind
        else {
            unreachable!("a Task state")
        };
        // A fixed heartbeat is reported as Step Functions does.
        let heartbeat_reported = match heartbeat {
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
                heartbeat_in_seconds: heartbeat_reported,
                task_credentials: timing.role_arn.as_ref().map(|arn| TaskCredentials {
                    role_arn: arn.clone(),
                }),
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
    }
}

/// A callback task's open token; closed however the wait ends (also when it is dropped on
/// a timeout or an abort), so a late completion gets `TaskTimedOut`.
struct Waiting<'a> {
    callbacks: &'a dyn Callbacks,
    token: String,
    rx: tokio::sync::mpsc::UnboundedReceiver<Signal>,
}

impl Waiting<'_> {
    async fn wait(mut self, heartbeat: Option<Duration>) -> Result<Value, Failure> {
        loop {
            let next = match heartbeat {
                Some(h) => match tokio::time::timeout(h, self.rx.recv()).await {
                    Ok(next) => next,
                    Err(_) => {
                        return Err(Failure::new(
                            names::HEARTBEAT_TIMEOUT,
                            format!("No heartbeat was received within {} seconds", h.as_secs()),
                        ))
                    }
                },
                None => self.rx.recv().await,
            };
            match next {
                Some(Signal::Heartbeat) => continue,
                Some(Signal::Success(out)) => return Ok(out),
                Some(Signal::Failure { error, cause }) => return Err(Failure::new(error, cause)),
                None => {
                    return Err(Failure::runtime(
                        "The task token was closed before the task was completed",
                    ))
                }
            }
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.callbacks.close(&self.token);
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
