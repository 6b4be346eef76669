use serde_json::json;

use super::*;

fn model() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["rounds", "algorithm"],
        "properties": {
            "algorithm": {"type": "string", "enum": ["sha256", "blake3"]},
            "rounds": {"type": "integer", "minimum": 1, "maximum": 10},
        },
    })
}

/// A stand-in for the gateway's check of the model above.
fn model_accepts(body: &Value) -> bool {
    let Some(map) = body.as_object() else {
        return false;
    };
    map.keys().all(|k| k == "algorithm" || k == "rounds")
        && matches!(body["algorithm"].as_str(), Some("sha256" | "blake3"))
        && body["rounds"]
            .as_u64()
            .is_some_and(|r| (1..=10).contains(&r))
}

#[test]
fn the_bodies_are_the_example_a_neighbour_and_two_refusals() {
    let judge = Judge {
        model: &model_accepts,
        job: &|_| true,
    };
    let example = json!({"rounds": 10, "algorithm": "sha256"});
    let vars: std::collections::HashMap<_, _> = variables(&model(), &example, &judge)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(vars["exampleBody"], r#"{"algorithm":"sha256","rounds":10}"#);
    assert_eq!(vars["otherBody"], r#"{"algorithm":"blake3","rounds":10}"#);
    assert_eq!(vars["wrongTypeField"], "algorithm");
    assert_eq!(vars["wrongTypeBody"], r#"{"algorithm":12345,"rounds":10}"#);
    assert_eq!(
        vars["unknownKeyBody"],
        r#"{"algorithm":"sha256","rounds":10,"unexpectedKey":true}"#
    );
}

#[test]
fn the_other_body_passes_the_jobs_own_checks_too() {
    // The job refuses blake3 and 11 is past the model's maximum: 9 is left.
    let judge = Judge {
        model: &model_accepts,
        job: &|b| b["algorithm"] == "sha256",
    };
    let example = json!({"rounds": 10, "algorithm": "sha256"});
    let vars: std::collections::HashMap<_, _> = variables(&model(), &example, &judge)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(vars["otherBody"], r#"{"algorithm":"sha256","rounds":9}"#);
}

#[test]
fn an_example_the_job_refuses_or_a_model_open_to_unknown_keys_is_an_error() {
    let judge = Judge {
        model: &model_accepts,
        job: &|_| true,
    };
    let e = variables(
        &model(),
        &json!({"rounds": 11, "algorithm": "sha256"}),
        &judge,
    )
    .unwrap_err();
    assert!(e.contains("example"), "{e}");
    let mut open = model();
    open["additionalProperties"] = json!(true);
    let e = variables(&open, &json!({"rounds": 1, "algorithm": "sha256"}), &judge).unwrap_err();
    assert!(e.contains("deny_unknown_fields"), "{e}");
}

#[test]
fn only_the_variables_values_change() {
    let text = "{\n  \"auth\": [{\"key\": \"exampleBody\", \"value\": \"x\"}],\n  \"variable\": [\n    {\n      \"key\": \"exampleBody\",\n      \"value\": \"{\\\"a\\\": 1}\"\n    },\n    {\"key\": \"other\", \"value\": \"kept\"}\n  ]\n}\n";
    let out = write_variables(text, &[("exampleBody", r#"{"b":"\"2\""}"#.to_owned())]).unwrap();
    assert_eq!(
        out,
        "{\n  \"auth\": [{\"key\": \"exampleBody\", \"value\": \"x\"}],\n  \"variable\": [\n    {\n      \"key\": \"exampleBody\",\n      \"value\": \"{\\\"b\\\":\\\"\\\\\\\"2\\\\\\\"\\\"}\"\n    },\n    {\"key\": \"other\", \"value\": \"kept\"}\n  ]\n}\n"
    );
    let e = write_variables(text, &[("missing", String::new())]).unwrap_err();
    assert!(e.contains("`missing`"), "{e}");
}
