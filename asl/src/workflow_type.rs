//! The two workflow types of Step Functions, and what a definition may hold in each: the one
//! place in Rust that states the EXPRESS window (CDK's `EXPRESS_LIMIT_SECONDS` in
//! cdk/lib/jobs-workflow.ts states it for the synth), so a runner of this interpreter refuses
//! what a deployment of that type would.
//!
//! An EXPRESS workflow is stopped by the service at five minutes, and supports the Request
//! Response integration pattern only: "Express Workflows do not support Run a Job (.sync) or
//! Wait for Callback (.waitForTaskToken)" (Step Functions developer guide, service
//! integration patterns). A Map in DISTRIBUTED mode runs child executions, which needs a
//! STANDARD parent. A STANDARD execution may run up to a year.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde_json::{Map, Value};

/// The longest an EXPRESS execution runs before the service stops it.
pub const EXPRESS_MAX_SECONDS: u64 = 300;
/// The longest a STANDARD execution runs.
pub const STANDARD_MAX_SECONDS: u64 = 365 * 24 * 3600;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum WorkflowType {
    #[default]
    Express,
    Standard,
}

impl WorkflowType {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowType::Express => "EXPRESS",
            WorkflowType::Standard => "STANDARD",
        }
    }

    /// The longest an execution of this type may run.
    pub fn max_duration(self) -> Duration {
        Duration::from_secs(match self {
            WorkflowType::Express => EXPRESS_MAX_SECONDS,
            WorkflowType::Standard => STANDARD_MAX_SECONDS,
        })
    }

    /// Everything in `definition` that a state machine of this type may not hold, in
    /// definition order; empty when it may run as this type.
    pub fn refusals(self, definition: &Value) -> Vec<Refusal> {
        let mut out = Vec::new();
        if let Some(t) = definition.get("TimeoutSeconds").and_then(Value::as_u64) {
            // A timeout equal to the window would race the service's own stop, which ends the
            // execution without the workflow's failure path: refused as CDK refuses it.
            if t >= self.max_duration().as_secs() {
                out.push(Refusal {
                    state: None,
                    kind: RefusalKind::Timeout {
                        timeout_seconds: t,
                        of: self,
                    },
                });
            }
        }
        if self == WorkflowType::Express {
            if let Some(states) = definition.get("States").and_then(Value::as_object) {
                express_states(states, "", &mut out);
            }
        }
        out
    }
}

impl fmt::Display for WorkflowType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WorkflowType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "EXPRESS" => Ok(WorkflowType::Express),
            "STANDARD" => Ok(WorkflowType::Standard),
            _ => Err(format!(
                "the workflow type is EXPRESS or STANDARD, not {s:?}"
            )),
        }
    }
}

/// One thing a workflow type does not allow, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The state, as `Outer/Inner` for a state inside a Parallel branch or a Map; `None` for
    /// the definition's own fields.
    pub state: Option<String>,
    pub kind: RefusalKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalKind {
    /// The definition's TimeoutSeconds reaches the longest run of the type `of`.
    Timeout {
        timeout_seconds: u64,
        of: WorkflowType,
    },
    /// A Task whose Resource waits for a job (`.sync`, `.sync:2`) or a task token.
    IntegrationPattern { resource: String },
    /// A Map whose ItemProcessor runs in DISTRIBUTED mode.
    DistributedMap,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.state) {
            (RefusalKind::Timeout { timeout_seconds, of }, _) => write!(
                f,
                "the workflow may run {timeout_seconds} s (TimeoutSeconds), but a {of} execution is \
                 stopped at {} s",
                of.max_duration().as_secs()
            ),
            (RefusalKind::IntegrationPattern { resource }, Some(state)) => write!(
                f,
                "state {state}: Resource {resource} waits for a job or a task token, and \
                 EXPRESS workflows support only the Request Response pattern"
            ),
            (RefusalKind::DistributedMap, Some(state)) => write!(
                f,
                "state {state}: a Map in DISTRIBUTED mode starts child executions, which an \
                 EXPRESS workflow cannot"
            ),
            (_, None) => write!(f, "{:?}", self.kind),
        }
    }
}

/// The suffixes of the Run a Job and Wait for Callback patterns. A task of either pattern
/// has a task token in its context (`$$.Task.Token`): AWS completes a `.sync` task through a
/// token too, and workflows hand it on to the child they start.
pub(crate) fn waits(resource: &str) -> bool {
    let Some(rest) = resource.strip_prefix("arn:aws:states:::") else {
        return false;
    };
    rest.ends_with(".waitForTaskToken")
        || rest.ends_with(".sync")
        || rest
            .rsplit_once(".sync:")
            .is_some_and(|(_, v)| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
}

fn express_states(states: &Map<String, Value>, prefix: &str, out: &mut Vec<Refusal>) {
    for (name, state) in states {
        let path = format!("{prefix}{name}");
        let refuse = |kind| Refusal {
            state: Some(path.clone()),
            kind,
        };
        match state.get("Type").and_then(Value::as_str) {
            Some("Task") => {
                if let Some(resource) = state.get("Resource").and_then(Value::as_str) {
                    if waits(resource) {
                        out.push(refuse(RefusalKind::IntegrationPattern {
                            resource: resource.to_owned(),
                        }));
                    }
                }
            }
            Some("Parallel") => {
                for branch in state
                    .get("Branches")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(inner) = branch.get("States").and_then(Value::as_object) {
                        express_states(inner, &format!("{path}/"), out);
                    }
                }
            }
            Some("Map") => {
                let processor = state.get("ItemProcessor").or_else(|| state.get("Iterator"));
                let mode = processor
                    .and_then(|p| p.pointer("/ProcessorConfig/Mode"))
                    .and_then(Value::as_str);
                if mode == Some("DISTRIBUTED") {
                    out.push(refuse(RefusalKind::DistributedMap));
                }
                if let Some(inner) = processor
                    .and_then(|p| p.get("States"))
                    .and_then(Value::as_object)
                {
                    express_states(inner, &format!("{path}/"), out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(resource: &str) -> Value {
        json!({"Type": "Task", "Resource": resource, "End": true})
    }

    #[test]
    fn the_type_reads_either_case_and_names_the_choices_otherwise() {
        assert_eq!("STANDARD".parse(), Ok(WorkflowType::Standard));
        assert_eq!("express".parse(), Ok(WorkflowType::Express));
        let err = "SLOW".parse::<WorkflowType>().unwrap_err();
        assert!(err.contains("EXPRESS or STANDARD"), "{err}");
        assert_eq!(WorkflowType::default(), WorkflowType::Express);
    }

    #[test]
    fn cdk_states_the_same_windows() {
        let cdk = include_str!("../../cdk/lib/jobs-workflow.ts");
        assert!(
            cdk.contains(&format!(
                "export const EXPRESS_LIMIT_SECONDS = {EXPRESS_MAX_SECONDS};"
            )),
            "cdk/lib/jobs-workflow.ts and this file disagree on the Express window"
        );
        assert!(cdk.contains("export const STANDARD_LIMIT_SECONDS = 365 * 24 * 3600;"));
        assert_eq!(STANDARD_MAX_SECONDS, 365 * 24 * 3600);
    }

    #[test]
    fn the_timeout_must_stay_under_the_window_of_the_type() {
        let at = |t: u64| json!({"TimeoutSeconds": t, "StartAt": "A", "States": {"A": {"Type": "Succeed"}}});
        assert!(WorkflowType::Express.refusals(&at(299)).is_empty());
        assert_eq!(
            WorkflowType::Express.refusals(&at(300)),
            vec![Refusal {
                state: None,
                kind: RefusalKind::Timeout {
                    timeout_seconds: 300,
                    of: WorkflowType::Express
                }
            }]
        );
        assert!(WorkflowType::Standard.refusals(&at(300)).is_empty());
        assert!(WorkflowType::Standard
            .refusals(&at(STANDARD_MAX_SECONDS - 1))
            .is_empty());
        assert_eq!(
            WorkflowType::Standard
                .refusals(&at(STANDARD_MAX_SECONDS))
                .len(),
            1
        );
    }

    #[test]
    fn waiting_integration_patterns_are_refused_on_express_wherever_they_are() {
        let definition = json!({
            "StartAt": "Plain",
            "States": {
                "Plain": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "P"},
                "P": {"Type": "Parallel", "Next": "M", "Branches": [
                    {"StartAt": "Token", "States": {"Token": task("arn:aws:states:::sqs:sendMessage.waitForTaskToken")}}
                ]},
                "M": {"Type": "Map", "Next": "Child", "ItemProcessor": {
                    "StartAt": "Job", "States": {"Job": task("arn:aws:states:::batch:submitJob.sync")}
                }},
                "Child": task("arn:aws:states:::states:startExecution.sync:2"),
            }
        });
        let refusals = WorkflowType::Express.refusals(&definition);
        let states: Vec<_> = refusals
            .iter()
            .map(|r| r.state.as_deref().unwrap())
            .collect();
        assert_eq!(states, ["P/Token", "M/Job", "Child"]);
        assert!(
            refusals[0].to_string().contains("Request Response"),
            "{}",
            refusals[0]
        );
        assert!(WorkflowType::Standard.refusals(&definition).is_empty());
    }

    #[test]
    fn only_the_patterns_suffixes_count_not_names_that_look_like_them() {
        assert!(!waits("arn:aws:states:::lambda:invoke"));
        assert!(!waits("arn:aws:lambda:us-east-1:1:function:my.sync"));
        assert!(!waits("arn:aws:states:::aws-sdk:s3:getObject"));
        assert!(!waits("arn:aws:states:::states:startExecution.sync:x"));
        assert!(waits("arn:aws:states:::ecs:runTask.waitForTaskToken"));
        assert!(waits("arn:aws:states:::glue:startJobRun.sync"));
    }

    #[test]
    fn a_distributed_map_is_refused_on_express_and_an_inline_one_is_not() {
        let map = |mode: &str| {
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemProcessor": {
                "ProcessorConfig": {"Mode": mode, "ExecutionType": "EXPRESS"},
                "StartAt": "S", "States": {"S": {"Type": "Succeed"}}
            }}}})
        };
        let refused = WorkflowType::Express.refusals(&map("DISTRIBUTED"));
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].kind, RefusalKind::DistributedMap);
        assert!(WorkflowType::Express.refusals(&map("INLINE")).is_empty());
        assert!(WorkflowType::Standard
            .refusals(&map("DISTRIBUTED"))
            .is_empty());
    }
}
