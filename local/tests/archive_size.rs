//! A failed job's archived event fits EventBridge's entry limit, whatever
//! the job sends at its largest: the event as the workflow's ArchiveFailedJob
//! state builds it (each field of its Detail at its largest), with the
//! parameters at the job's body limit and both errors at the largest cause
//! Step Functions carries.

use jobs_domain::DynWork;
use jobs_local::bus::{entry_size, MAX_ENTRY_BYTES};
use serde_json::{json, Map, Value};

/// Step Functions' limits on an error: its name and its cause.
const MAX_ERROR_NAME: usize = 256;
const MAX_CAUSE: usize = 32_768;
/// An execution ARN at its longest (80-character state machine and execution names).
const MAX_EXECUTION_ARN: usize = 256;

fn definition(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../statemachine")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A JSON object whose compact text is exactly `bytes` long.
fn document_of(bytes: usize) -> Value {
    let frame = r#"{"x":""}"#.len();
    json!({ "x": "p".repeat(bytes - frame) })
}

fn largest(field: &str, body_bytes: usize) -> Value {
    let error = || json!({"Error": "E".repeat(MAX_ERROR_NAME), "Cause": "c".repeat(MAX_CAUSE)});
    match field.trim_end_matches(".$") {
        "id" => json!("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f"),
        // The body's parsed form is never longer than the body.
        "parameters" => document_of(body_bytes),
        "processorError" | "errorHandlerError" => error(),
        "executionId" => json!("a".repeat(MAX_EXECUTION_ARN)),
        other => {
            panic!("the archived event gained a field {other:?}: give it its largest value here")
        }
    }
}

#[test]
fn the_archived_event_fits_eventbridge_at_the_largest_body_the_job_allows() {
    let body_bytes = jobs_job::Job.limits().body_bytes;
    for name in ["jobs.asl.json", "jobs.jsonata.asl.json"] {
        let workflow = definition(name);
        let entry = &workflow["States"]["ArchiveFailedJob"]["Arguments"]
            .get("Entries")
            .or_else(|| workflow["States"]["ArchiveFailedJob"]["Parameters"].get("Entries"))
            .unwrap_or_else(|| panic!("{name}: ArchiveFailedJob has no Entries"))[0];
        let mut detail = Map::new();
        for field in entry["Detail"].as_object().unwrap().keys() {
            detail.insert(
                field.trim_end_matches(".$").to_owned(),
                largest(field, body_bytes),
            );
        }
        let size = entry_size(
            entry["Source"].as_str().unwrap(),
            entry["DetailType"].as_str().unwrap(),
            &Value::Object(detail).to_string(),
            &[],
        );
        assert!(
            size <= MAX_ENTRY_BYTES,
            "{name}: the archived event of a job at its {body_bytes}-byte body limit is {size} bytes, \
             past EventBridge's {MAX_ENTRY_BYTES}: lower the job's body limit"
        );
    }
}
