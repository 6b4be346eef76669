//! What the tests of anything built on the local stack submit: the bodies
//! `jobs generate` derives from the job's types (its example, another valid
//! body, ...), so the tests hold for whatever job the workspace builds.

use serde_json::Value;

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
