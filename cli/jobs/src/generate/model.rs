//! The request model: the parameters type's JSON Schema in the draft-04
//! dialect that API Gateway models use, checked against draft 04's
//! meta-schema before it is written.

use serde_json::{json, Map, Value};

const DRAFT_04: &str = "http://json-schema.org/draft-04/schema#";

/// Formats draft 04 defines; API Gateway ignores others, so they are dropped
/// rather than promised (schemars writes `uint64`, `int32` and the like).
const DRAFT_04_FORMATS: &[&str] = &["date-time", "email", "hostname", "ipv4", "ipv6", "uri"];

/// Keywords later drafts added that draft 04 cannot say: a schema that needs
/// them cannot be a request model, and the job's type must say it otherwise.
const REFUSED: &[&str] = &[
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "propertyNames",
    "$anchor",
    "$dynamicRef",
];

/// Words that only annotate: dropped, as draft 04 has no place for them.
const ANNOTATIONS: &[&str] = &[
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "$comment",
];

pub(super) fn request_model(schema: Value) -> Result<Value, String> {
    let mut model = convert(schema, "")?;
    let root = model
        .as_object_mut()
        .ok_or("the parameters' schema is not an object schema")?;
    root.insert("$schema".into(), json!(DRAFT_04));
    if root.get("type") != Some(&json!("object")) {
        return Err("the parameters type must serialize as a JSON object (a struct)".into());
    }
    check_against_meta_schema(&model)?;
    Ok(model)
}

/// Any schemars schema in the draft-04 dialect (the results' schema, for
/// OpenAPI), without the request model's checks.
pub(super) fn convert_schema(schema: Value) -> Result<Value, String> {
    convert(schema, "")
}

/// The request model compiled, to try bodies against it as the gateway would.
pub(super) struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    pub(super) fn new(model: &Value) -> Result<Self, String> {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V4);
        compiler
            .add_resource("model.json", model.clone())
            .map_err(|e| e.to_string())?;
        let index = compiler
            .compile("model.json", &mut schemas)
            .map_err(|e| format!("the request model does not compile as draft 04: {e}"))?;
        Ok(Self { schemas, index })
    }

    pub(super) fn accepts(&self, body: &Value) -> bool {
        self.schemas.validate(body, self.index).is_ok()
    }
}

fn convert(schema: Value, at: &str) -> Result<Value, String> {
    match schema {
        // Draft 04 has no boolean schemas.
        Value::Bool(true) => Ok(json!({})),
        Value::Bool(false) => Ok(json!({"not": {}})),
        Value::Object(object) => convert_object(object, at),
        other => Err(format!("{at}: not a schema: {other}")),
    }
}

fn convert_object(object: Map<String, Value>, at: &str) -> Result<Value, String> {
    let mut out = Map::new();
    for (key, value) in object {
        let here = format!("{at}/{key}");
        if REFUSED.contains(&key.as_str()) {
            return Err(format!(
                "{here}: `{key}` cannot be said in a draft-04 request model; express the rule in the job's validate instead"
            ));
        }
        if ANNOTATIONS.contains(&key.as_str()) {
            continue;
        }
        match key.as_str() {
            "format"
                if !value
                    .as_str()
                    .is_some_and(|f| DRAFT_04_FORMATS.contains(&f)) => {}
            "const" => {
                out.insert("enum".into(), json!([value]));
            }
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_number() => {
                let bound = if key == "exclusiveMinimum" {
                    "minimum"
                } else {
                    "maximum"
                };
                out.insert(bound.into(), value);
                out.insert(key, json!(true));
            }
            "$defs" | "definitions" => {
                out.insert("definitions".into(), convert_map(value, &here)?);
            }
            "$ref" => {
                let target = value.as_str().unwrap_or_default();
                out.insert(key, json!(target.replace("#/$defs/", "#/definitions/")));
            }
            "properties" | "patternProperties" => {
                out.insert(key, convert_map(value, &here)?);
            }
            "items" | "additionalItems" if value.is_array() => {
                let items = value.as_array().unwrap().iter().enumerate();
                let converted: Result<Vec<Value>, String> = items
                    .map(|(i, s)| convert(s.clone(), &format!("{here}/{i}")))
                    .collect();
                out.insert(key, Value::Array(converted?));
            }
            "items" | "additionalItems" | "not" => {
                out.insert(key, convert(value, &here)?);
            }
            // A boolean stays a boolean here: draft 04 allows it.
            "additionalProperties" if value.is_boolean() => {
                out.insert(key, value);
            }
            "additionalProperties" => {
                out.insert(key, convert(value, &here)?);
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list = value.as_array().cloned().unwrap_or_default();
                let converted: Result<Vec<Value>, String> = list
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| convert(s, &format!("{here}/{i}")))
                    .collect();
                out.insert(key, Value::Array(converted?));
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    Ok(Value::Object(out))
}

fn convert_map(value: Value, at: &str) -> Result<Value, String> {
    let Value::Object(map) = value else {
        return Err(format!("{at}: not an object"));
    };
    let mut out = Map::new();
    for (name, schema) in map {
        let converted = convert(schema, &format!("{at}/{name}"))?;
        out.insert(name, converted);
    }
    Ok(Value::Object(out))
}

fn check_against_meta_schema(model: &Value) -> Result<(), String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let meta = compiler
        .compile(DRAFT_04, &mut schemas)
        .map_err(|e| format!("draft 04's meta-schema: {e}"))?;
    schemas
        .validate(model, meta)
        .map_err(|e| format!("the request model is not a draft-04 schema: {e}"))?;
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V4);
    compiler
        .add_resource("model.json", model.clone())
        .map_err(|e| e.to_string())?;
    compiler
        .compile("model.json", &mut schemas)
        .map(|_| ())
        .map_err(|e| format!("the request model does not compile as draft 04: {e}"))
}

/// Two-space JSON with keys sorted, whatever order serde_json keeps, and a
/// final newline: the committed form.
pub(super) fn pretty(value: &Value) -> String {
    let mut out = String::new();
    write(value, 0, &mut out);
    out.push('\n');
    out
}

fn write(value: &Value, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, key) in keys.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                out.push_str(&Value::String((*key).clone()).to_string());
                out.push_str(": ");
                write(&map[*key], depth + 1, out);
                out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            let inline: Vec<String> = items.iter().map(Value::to_string).collect();
            out.push_str(&format!("[{}]", inline.join(", ")));
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests;
