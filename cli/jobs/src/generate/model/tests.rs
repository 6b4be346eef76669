use serde_json::json;

use super::*;

fn model(schema: Value) -> Result<Value, String> {
    request_model(schema)
}

#[test]
fn later_drafts_become_draft_04() {
    let got = model(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "T",
        "type": "object",
        "required": ["n", "mode"],
        "additionalProperties": false,
        "properties": {
            "n": {"type": "integer", "format": "uint64", "exclusiveMinimum": 0, "maximum": 9},
            "mode": {"const": "fast", "examples": ["fast"]},
            "when": {"type": "string", "format": "date-time"},
            "inner": {"$ref": "#/$defs/Inner"},
            "any": true
        },
        "$defs": {"Inner": {"type": "object", "properties": {"x": {"type": "number"}}}}
    }))
    .unwrap();
    assert_eq!(
        got["$schema"],
        json!("http://json-schema.org/draft-04/schema#")
    );
    assert_eq!(
        got["properties"]["n"],
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 9})
    );
    assert_eq!(got["properties"]["mode"], json!({"enum": ["fast"]}));
    assert_eq!(got["properties"]["when"]["format"], json!("date-time"));
    assert_eq!(
        got["properties"]["inner"]["$ref"],
        json!("#/definitions/Inner")
    );
    assert_eq!(got["properties"]["any"], json!({}));
    assert_eq!(
        got["definitions"]["Inner"]["properties"]["x"],
        json!({"type": "number"})
    );
    assert!(got.get("$defs").is_none());
    assert_eq!(got["additionalProperties"], json!(false));
}

#[test]
fn what_draft_04_cannot_say_is_refused_by_name() {
    let err = model(json!({
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "if": {"required": ["a"]},
        "then": {"required": ["b"]}
    }))
    .unwrap_err();
    assert!(err.contains("/if") && err.contains("validate"), "{err}");
}

#[test]
fn a_parameters_type_that_is_not_an_object_is_refused() {
    let err = model(json!({"type": "integer"})).unwrap_err();
    assert!(err.contains("JSON object"), "{err}");
}

#[test]
fn the_meta_schema_check_catches_a_malformed_model() {
    // `required: true` was draft 3's way; draft 04 wants an array.
    let err = model(json!({"type": "object", "required": true})).unwrap_err();
    assert!(err.contains("draft-04"), "{err}");
}

#[test]
fn the_committed_form_sorts_keys_and_ends_with_a_newline() {
    let text = pretty(&json!({"b": [1, 2], "a": {"d": {}, "c": [{"x": 1}]}}));
    assert_eq!(
        text,
        "{\n  \"a\": {\n    \"c\": [\n      {\n        \"x\": 1\n      }\n    ],\n    \"d\": {}\n  },\n  \"b\": [1, 2]\n}\n"
    );
}
