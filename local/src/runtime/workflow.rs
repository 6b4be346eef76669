//! The workflow definition the stack runs: `statemachine/jobs.asl.json`, or
//! another file given at start, with its `${...}` filled in for the local
//! resources. Each execution records the hash of the text it ran, so it is
//! drawn, and resumed after a stop, with its own definition.

use std::collections::HashMap;
use std::sync::Arc;

use jobs_asl::{RefusalKind, StateMachine, WorkflowType};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::bus::BUS_NAME;
use crate::functions::Manifest;

/// The one workflow file, as CDK deploys it.
pub(crate) const JOBS_DEFINITION: &str = include_str!("../../../statemachine/jobs.asl.json");
pub(crate) use crate::functions::ACCOUNT;

/// A loaded definition: its text as run (substituted), the SHA-256 of that
/// text, and the checked state machine.
#[derive(Clone)]
pub struct Workflow {
    pub text: Arc<str>,
    pub hash: String,
    pub machine: Arc<StateMachine>,
    /// The type it runs as: EXPRESS unless [`Workflow::run_as`] says otherwise.
    pub kind: WorkflowType,
}

impl std::fmt::Debug for Workflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workflow")
            .field("hash", &self.hash)
            .finish()
    }
}

/// The values CDK gives the definition's `${...}`, as local ARNs: the deployed manifest's
/// functions and the failed-jobs bus.
pub(crate) fn substitutions(region: &str) -> HashMap<String, String> {
    with_bus(Manifest::deployed().substitutions(region))
}

/// `functions`' substitutions and the failed-jobs bus's.
pub(crate) fn with_bus(mut functions: HashMap<String, String>) -> HashMap<String, String> {
    functions.insert("FailedJobsEventBusName".to_owned(), BUS_NAME.to_owned());
    functions
}

/// The ItemProcessor (or Iterator) of the Map state `map`, found in `set` (a definition or
/// a state set) and the sets nested in it: what a distributed Map's child executions run.
pub(crate) fn processor_of<'a>(set: &'a Value, map: &str) -> Option<&'a Value> {
    let states = set.get("States")?.as_object()?;
    for (name, state) in states {
        let processor = state.get("ItemProcessor").or_else(|| state.get("Iterator"));
        if name == map {
            if let Some(p) = processor {
                return Some(p);
            }
        }
        let branches = state.get("Branches").and_then(Value::as_array);
        let nested = processor.into_iter().chain(branches.into_iter().flatten());
        if let Some(found) = nested.into_iter().find_map(|s| processor_of(s, map)) {
            return Some(found);
        }
    }
    None
}

pub(crate) fn hash_of(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Workflow {
    /// `source` with its `${...}` filled for `region`, checked.
    pub fn load(source: &str, region: &str) -> Result<Self, String> {
        Self::load_with(source, &substitutions(region))
    }

    /// `source` with its `${...}` filled from `substitutions`, checked.
    pub fn load_with(
        source: &str,
        substitutions: &HashMap<String, String>,
    ) -> Result<Self, String> {
        Self::from_text(jobs_asl::substitute(source, substitutions))
    }

    /// A definition exactly as recorded (already substituted).
    pub fn from_text(text: String) -> Result<Self, String> {
        let machine = StateMachine::from_json(&text).map_err(|e| e.to_string())?;
        Ok(Self {
            hash: hash_of(&text),
            text: text.into(),
            machine: Arc::new(machine),
            kind: WorkflowType::default(),
        })
    }

    /// The definition, to run as a `kind` workflow; refused, with what to change, when a state
    /// machine of that type on AWS could not hold it.
    pub fn run_as(mut self, kind: WorkflowType) -> Result<Self, String> {
        let refusals = kind.refusals(&self.json());
        if refusals.is_empty() {
            self.kind = kind;
            return Ok(self);
        }
        let mut message = format!("it cannot run as {kind}:");
        for refusal in &refusals {
            message.push_str(&format!("\n  - {refusal}"));
        }
        if kind == WorkflowType::Express {
            message.push_str(
                "\nrun it as STANDARD, as a stack deployed with -c workflowType=STANDARD does: \
                 --workflow-type STANDARD (or JOBS_LOCAL_WORKFLOW_TYPE=STANDARD)",
            );
        }
        if refusals
            .iter()
            .any(|r| matches!(r.kind, RefusalKind::Timeout { .. }))
        {
            message.push_str(
                "\nor lower TimeoutSeconds: for statemachine/jobs.asl.json, shorten the job's \
                 time limit (LIMITS.time in job/src/lib.rs) and run `jobs generate`, which \
                 writes it",
            );
        }
        Err(message)
    }

    /// `statemachine/jobs.asl.json` for `region`.
    pub fn jobs(region: &str) -> Self {
        Self::load(JOBS_DEFINITION, region)
            .expect("statemachine/jobs.asl.json is a valid definition")
    }

    /// The definition's `TimeoutSeconds`: no execution runs longer, and the
    /// sweep's bound is derived from it, as on AWS (where CDK reads the same
    /// file). A definition without one gets the longest run of its type.
    pub fn timeout(&self) -> std::time::Duration {
        self.machine
            .timeout()
            .unwrap_or_else(|| self.kind.max_duration())
    }

    pub fn start_at(&self) -> &str {
        self.machine.start_at()
    }

    /// The definition as JSON (it parsed as a state machine, so it is JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).expect("a loaded definition is JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_maps_processor_is_found_in_branches_and_processors_too() {
        let definition = serde_json::json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "M", "States": {
                "M": {"Type": "Map", "ItemProcessor": {"StartAt": "Inner", "States": {
                    "Inner": {"Type": "Map", "Iterator": {"StartAt": "Leaf", "States": {}}}
                }}}
            }}]},
            "Top": {"Type": "Map", "ItemProcessor": {"StartAt": "Tally", "States": {}}},
            "Pass": {"Type": "Pass", "End": true}
        }});
        let start = |map: &str| processor_of(&definition, map).map(|p| p["StartAt"].clone());
        assert_eq!(start("M"), Some("Inner".into()));
        assert_eq!(start("Inner"), Some("Leaf".into()));
        assert_eq!(start("Top"), Some("Tally".into()));
        assert_eq!(start("Pass"), None);
        assert_eq!(start("Nowhere"), None);
    }

    #[test]
    fn the_jobs_definition_loads_with_local_arns_and_a_stable_hash() {
        let w = Workflow::jobs("eu-west-1");
        assert_eq!(w.start_at(), "ProcessJob");
        assert!(w
            .text
            .contains("arn:aws:lambda:eu-west-1:000000000000:function:jobs-processor"));
        assert!(!w.text.contains("${"));
        assert_eq!(w.hash, Workflow::jobs("eu-west-1").hash);
        assert_ne!(w.hash, Workflow::jobs("us-east-1").hash);
        assert_eq!(w.hash.len(), 64);
    }

    #[test]
    fn the_jobs_definition_runs_as_either_type_and_its_timeout_is_its_own() {
        let express = Workflow::jobs("us-east-1")
            .run_as(WorkflowType::Express)
            .unwrap();
        assert_eq!(express.kind, WorkflowType::Express);
        let standard = Workflow::jobs("us-east-1")
            .run_as(WorkflowType::Standard)
            .unwrap();
        assert_eq!(standard.kind, WorkflowType::Standard);
        assert_eq!(express.timeout(), standard.timeout());
        assert!(express.timeout() < WorkflowType::Express.max_duration());
    }

    #[test]
    fn without_a_timeout_a_definition_gets_the_longest_run_of_its_type() {
        let open = r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#;
        let as_type = |kind| {
            Workflow::load(open, "us-east-1")
                .unwrap()
                .run_as(kind)
                .unwrap()
        };
        assert_eq!(as_type(WorkflowType::Express).timeout().as_secs(), 300);
        assert_eq!(
            as_type(WorkflowType::Standard).timeout().as_secs(),
            365 * 24 * 3600
        );
    }

    #[test]
    fn a_refusal_lists_each_reason_and_what_to_change() {
        let text = r#"{"TimeoutSeconds": 600, "StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": true}}}"#;
        let e = Workflow::load(text, "us-east-1")
            .unwrap()
            .run_as(WorkflowType::Express)
            .unwrap_err();
        assert!(
            e.starts_with("it cannot run as EXPRESS:\n  - the workflow may run 600 s"),
            "{e}"
        );
        assert!(
            e.contains("\n  - state A: Resource arn:aws:states:::glue:startJobRun.sync"),
            "{e}"
        );
        assert!(e.contains("--workflow-type STANDARD"), "{e}");
        assert!(e.contains("jobs generate"), "{e}");
    }

    #[test]
    fn a_callback_task_is_refused_on_express_and_runs_on_standard() {
        let text = r#"{"StartAt": "Approve", "States": {"Approve": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}"#;
        let e = Workflow::load(text, "us-east-1")
            .unwrap()
            .run_as(WorkflowType::Express)
            .unwrap_err();
        assert!(
            e.contains("state Approve: Resource arn:aws:states:::sqs:sendMessage.waitForTaskToken waits for a job or a task token, and EXPRESS workflows support only the Request Response pattern"),
            "{e}"
        );
        assert!(e.contains("--workflow-type STANDARD"), "{e}");
        let standard = Workflow::load(text, "us-east-1")
            .unwrap()
            .run_as(WorkflowType::Standard)
            .unwrap();
        assert_eq!(standard.kind, WorkflowType::Standard);
    }

    #[test]
    fn an_invalid_definition_is_refused_with_the_reason() {
        let err = Workflow::load(
            r#"{"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}"#,
            "us-east-1",
        )
        .unwrap_err();
        assert!(err.contains("Nope"), "{err}");
    }
}
