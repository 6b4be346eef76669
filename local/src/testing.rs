//! What the tests of anything built on the local stack submit: the bodies
//! `jobs generate` derives from the job's types (its example, another valid
//! body, ...), so the tests hold for whatever job the workspace builds.

use serde_json::{json, Value};

const BODIES: &str = include_str!("../../lambdas/api/schema/create-job.bodies.json");

fn bodies() -> Value {
    serde_json::from_str(BODIES).expect("create-job.bodies.json is JSON")
}

/// The job's example parameters.
pub fn example() -> Value {
    bodies()["example"].clone()
}

/// Another body the job accepts, one field away from the example.
pub fn other_than_example() -> Value {
    bodies()["other"].clone()
}

/// The example with one field of the wrong type, and that field's name.
pub fn wrong_type() -> (Value, String) {
    let bodies = bodies();
    let field = bodies["wrongTypeField"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (bodies["wrongType"].clone(), field)
}

/// The project's workflow with a Notify step (an SNS publish of the job's id, which the stack
/// does not run) after the job, then a Pass state that keeps the execution's role and redrive
/// count, written into `dir`; and a mock file whose only test case answers Notify once.
pub fn workflow_with_notify(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../statemachine/jobs.asl.json");
    let mut def: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the workflow file"))
            .expect("the workflow is JSON");
    let process = &mut def["States"]["ProcessJob"];
    process.as_object_mut().expect("ProcessJob").remove("End");
    process["Next"] = json!("Notify");
    def["States"]["Notify"] = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:000000000000:jobs-done", "Message.$": "$.id"},
        "ResultPath": "$.notified",
        "Credentials": {"RoleArn": "arn:aws:iam::000000000000:role/publisher"},
        "Next": "Context"
    });
    def["States"]["Context"] = json!({
        "Type": "Pass",
        "Parameters": {"role.$": "$$.Execution.RoleArn", "redrives.$": "$$.Execution.RedriveCount"},
        "ResultPath": "$.context",
        "End": true
    });
    let workflow = dir.join("notify.asl.json");
    std::fs::write(&workflow, def.to_string()).expect("writing the workflow");
    let mocks = dir.join("mocks.json");
    std::fs::write(&mocks, notify_mocks().to_string()).expect("writing the mock file");
    (workflow, mocks)
}

/// The mock file of [`workflow_with_notify`].
pub fn notify_mocks() -> Value {
    json!({
        "StateMachines": {"Jobs": {"TestCases": {"Notify": {"Notify": "Published"}}}},
        "MockedResponses": {"Published": {"0": {"Return": {"MessageId": "m-1"}}}}
    })
}
