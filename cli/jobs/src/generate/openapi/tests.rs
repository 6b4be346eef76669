use serde_json::json;

use super::*;

const SPEC: &str = "components:\n  schemas:\n    # BEGIN jobs generate: schemas\n    Old:\n      type: string\n    # END jobs generate: schemas\n    Kept:\n      type: integer\n";

fn entries(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[test]
fn a_region_is_replaced_at_its_markers_indentation_and_nothing_else_moves() {
    let schemas = entries(json!({
        "CreateJobRequest": {
            "type": "object",
            "description": "Body: the text, 2 ways",
            "required": ["text", "rounds"],
            "properties": {"text": {"type": "string", "maxLength": 4096}, "on": {"enum": ["yes", "sha256"]}},
            "additionalProperties": false,
        },
        "Empty": {},
    }));
    let out = write_region(SPEC, "schemas", &schemas).unwrap();
    assert_eq!(
        out,
        "components:\n  schemas:\n    # BEGIN jobs generate: schemas\n    CreateJobRequest:\n      additionalProperties: false\n      description: \"Body: the text, 2 ways\"\n      properties:\n        \"on\":\n          enum: [\"yes\", sha256]\n        text:\n          maxLength: 4096\n          type: string\n      required: [text, rounds]\n      type: object\n    Empty: {}\n    # END jobs generate: schemas\n    Kept:\n      type: integer\n"
    );
    assert_eq!(write_region(&out, "schemas", &schemas).unwrap(), out);
}

#[test]
fn lists_of_objects_are_block_items() {
    let out = write_region(
        SPEC,
        "schemas",
        &entries(json!({"X": {"anyOf": [{"type": "string"}, {"minimum": 1, "type": "integer"}]}})),
    )
    .unwrap();
    assert!(
        out.contains("    X:\n      anyOf:\n        - type: string\n        - minimum: 1\n          type: integer\n"),
        "{out}"
    );
}

#[test]
fn missing_or_doubled_markers_are_named() {
    let e = write_region("a: 1\n", "schemas", &Map::new()).unwrap_err();
    assert!(e.contains("# BEGIN jobs generate: schemas"), "{e}");
    let doubled = format!("{SPEC}    # END jobs generate: schemas\n");
    let e = write_region(&doubled, "schemas", &Map::new()).unwrap_err();
    assert!(e.contains("more than once"), "{e}");
}

#[test]
fn the_schema_object_drops_the_dialect_and_says_null_as_nullable() {
    let model = json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {"note": {"type": ["string", "null"]}, "n": {"type": "integer"}},
    });
    assert_eq!(
        schema_object(&model, "CreateJobRequest").unwrap(),
        json!({
            "type": "object",
            "properties": {"note": {"type": "string", "nullable": true}, "n": {"type": "integer"}},
        })
    );
    let e = schema_object(
        &json!({"properties": {"x": {"$ref": "#/definitions/X"}}}),
        "R",
    )
    .unwrap_err();
    assert!(e.contains("R/properties/x") && e.contains("inline"), "{e}");
    let e = schema_object(&json!({"type": ["string", "integer"]}), "R").unwrap_err();
    assert!(e.contains("one type"), "{e}");
}
