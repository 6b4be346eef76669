use serde_json::json;

use super::*;

fn model() -> Model {
    Model::new(json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["count"],
        "additionalProperties": false,
        "properties": {
            "count": {"type": "integer", "minimum": 1, "maximum": 10, "description": "How many."},
            "ratio": {"type": "number"},
            "loud": {"type": "boolean"},
            "name": {"type": "string", "maxLength": 5},
            "mode": {"enum": ["fast", "slow"]},
            "tags": {"type": "array", "items": {"type": "string"}}
        }
    }))
}

fn pairs(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn pairs_are_typed_by_the_model() {
    let doc = model()
        .document(
            None,
            None,
            &pairs(&[
                "count=3",
                "ratio=0.5",
                "loud=true",
                "name=42",
                "mode=fast",
                r#"tags=["a"]"#,
            ]),
        )
        .unwrap();
    assert_eq!(
        doc,
        json!({"count": 3, "ratio": 0.5, "loud": true, "name": "42", "mode": "fast", "tags": ["a"]})
    );
}

#[test]
fn a_json_object_is_the_base_and_pairs_override_it() {
    let doc = model()
        .document(
            Some(r#"{"count": 2, "name": "x"}"#),
            None,
            &pairs(&["count=4"]),
        )
        .unwrap();
    assert_eq!(doc, json!({"count": 4, "name": "x"}));
    let err = model().document(Some("[1]"), None, &[]).unwrap_err();
    assert!(err.to_string().contains("JSON object"), "{err}");
}

#[test]
fn the_file_form_reads_the_same_object() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    std::fs::write(&path, r#"{"count": 5}"#).unwrap();
    let doc = model().document(None, Some(&path), &[]).unwrap();
    assert_eq!(doc, json!({"count": 5}));
    let missing = model()
        .document(None, Some(&dir.path().join("none.json")), &[])
        .unwrap_err();
    assert!(format!("{missing:#}").contains("none.json"), "{missing:#}");
}

#[test]
fn mistakes_are_refused_in_the_models_words() {
    let m = model();
    let unknown = m
        .document(None, None, &pairs(&["colour=red"]))
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("\"colour\"") && unknown.contains("count, "),
        "{unknown}"
    );
    let bad = m
        .document(None, None, &pairs(&["count=three"]))
        .unwrap_err()
        .to_string();
    assert!(bad.contains("count must be integer"), "{bad}");
    let range = m
        .document(None, None, &pairs(&["count=11"]))
        .unwrap_err()
        .to_string();
    assert!(range.contains("/count") && range.contains("10"), "{range}");
    let missing = m.document(None, None, &[]).unwrap_err().to_string();
    assert!(missing.contains("count"), "{missing}");
    let not_pair = m
        .document(None, None, &pairs(&["count"]))
        .unwrap_err()
        .to_string();
    assert!(not_pair.contains("KEY=VALUE"), "{not_pair}");
    let enumerated = m
        .document(None, None, &pairs(&["count=1", "mode=medium"]))
        .unwrap_err()
        .to_string();
    assert!(enumerated.contains("/mode"), "{enumerated}");
}

#[test]
fn the_description_lists_each_parameter_with_its_bounds() {
    let text = model().describe();
    assert!(
        text.contains("count  (integer, >= 1, <= 10, required)\n    How many."),
        "{text}"
    );
    assert!(
        text.contains("mode  (enum, one of \"fast\", \"slow\")"),
        "{text}"
    );
}

#[test]
fn the_apis_own_model_loads_and_its_example_fits() {
    let m = Model::of_the_api();
    assert!(!m.describe().is_empty());
}
