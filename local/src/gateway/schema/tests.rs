use jobs_domain::DynWork;
use jobs_wire::model::{fields, Kind};
use serde_json::{json, Value};

use super::*;

/// A model of the shape `jobs generate` writes, for the wording checks.
fn small() -> BodySchema {
    BodySchema::from_model(json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["n"],
        "additionalProperties": false,
        "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 10}},
    }))
}

#[test]
fn refusals_say_where_and_why() {
    let schema = small();
    assert_eq!(schema.check(br#"{"n": 3}"#), Ok(()));
    for (bad, hint) in [
        ("", "not valid JSON"),
        ("n=3", "not valid JSON"),
        ("[]", "object"),
        ("{}", "n"),
        (r#"{"n": 0}"#, ">=1"),
        (r#"{"n": 11}"#, "<=10"),
        (r#"{"n": "3"}"#, "integer"),
        (r#"{"n": 1.5}"#, "integer"),
        (r#"{"n": 1.0}"#, "want integer, but got number 1.0"),
        (r#"{"n": 1e0}"#, "want integer, but got number 1.0"),
        (r#"{"n": 3, "extra": true}"#, "extra"),
    ] {
        let err = schema.check(bad.as_bytes()).unwrap_err();
        assert!(err.contains(hint), "{bad}: {err}");
    }
    assert_eq!(
        schema.check(br#"{"n": 0, "x": 1}"#).unwrap_err(),
        "/n: must be >=1, but got 0; additionalProperties 'x' not allowed"
    );
}

/// Bodies at and around every rule the job's model states: its example, each
/// field missing, of another type, past its bounds, and a key it does not know.
fn probes(model: &Value, example: &Value) -> Vec<Value> {
    let mut bodies = vec![
        example.clone(),
        json!({}),
        json!([]),
        json!("text"),
        json!(3),
    ];
    let mut extra = example.clone();
    extra["surely_not_a_parameter"] = json!(1);
    bodies.push(extra);
    for field in fields(model) {
        let with = |value: Value| {
            let mut body = example.clone();
            body[&field.name] = value;
            body
        };
        let mut without = example.clone();
        without.as_object_mut().unwrap().remove(&field.name);
        bodies.push(without);
        bodies.extend([json!(null), json!(true), json!([1]), json!({"a": 1})].map(&with));
        match &field.kind {
            Kind::Integer | Kind::Number => {
                bodies.extend([json!("3"), json!(1.5), json!(1.0), json!(-1)].map(&with));
                for bound in [&field.minimum, &field.maximum].into_iter().flatten() {
                    let b = bound.as_f64().unwrap();
                    bodies.extend([b - 1.0, b, b + 1.0].map(|x| with(json!(x as i64))));
                }
            }
            Kind::String => {
                bodies.push(with(json!(3)));
                if let Some(max) = field.max_length {
                    bodies.push(with(json!("x".repeat(max as usize))));
                    bodies.push(with(json!("x".repeat(max as usize + 1))));
                }
            }
            Kind::Enum(values) => bodies.push(with(json!(format!("not {}", values[0])))),
            Kind::Boolean | Kind::Json => bodies.push(with(json!(3))),
        }
    }
    bodies
}

/// The gateway checks bodies with the model; the function checks them again
/// with the job's type and its own checks. The two agree on every probe of
/// the job this workspace builds, whatever job that is.
#[test]
fn the_jobs_type_agrees_with_its_model() {
    let model: Value = serde_json::from_str(CREATE_JOB).unwrap();
    let schema = BodySchema::create_job();
    let job = jobs_job::Job;
    let example = job.example().to_value();
    let mut accepted = 0;
    for body in probes(&model, &example) {
        let text = body.to_string();
        let by_schema = schema.check(text.as_bytes()).is_ok();
        let by_type = job.parse_body(text.as_bytes());
        assert_eq!(
            by_schema,
            by_type.is_ok(),
            "{text}: the model says {by_schema}, the job's type says {by_type:?}"
        );
        accepted += usize::from(by_schema);
    }
    assert!(accepted >= 1, "the job's own example was refused");
}
