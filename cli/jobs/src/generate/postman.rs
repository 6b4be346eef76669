//! The bodies the Postman collection sends, as collection variables: the
//! job's example, another valid body (for the idempotency conflict), and
//! bodies the request model refuses for a reason that holds for any job (a
//! field of the wrong type, an unknown key). Each is checked here against
//! the request model and the job's own checks before it is written, so the
//! collection's expectations hold for whatever job the crate holds.
//!
//! Only the variables' values are rewritten, in place in the text: the
//! collection keeps its layout.

use serde_json::{json, Map, Value};

/// The collection, relative to the repository root.
pub(crate) const COLLECTION: &str = "postman/jobs-api.postman_collection.json";

/// Says whether a body passes the gateway's request model and whether the
/// job's own checks accept it.
pub(super) struct Judge<'a> {
    pub(super) model: &'a dyn Fn(&Value) -> bool,
    pub(super) job: &'a dyn Fn(&Value) -> bool,
}

impl Judge<'_> {
    fn valid(&self, body: &Value) -> bool {
        (self.model)(body) && (self.job)(body)
    }
}

/// The variables, name and value (compact JSON with sorted keys, so the
/// output does not depend on how serde_json orders a map).
pub(super) fn variables(
    model: &Value,
    example: &Value,
    judge: &Judge,
) -> Result<Vec<(&'static str, String)>, String> {
    if !judge.valid(example) {
        return Err(format!(
            "the job's example {example} is refused by its own request model or checks"
        ));
    }
    let properties = model["properties"]
        .as_object()
        .ok_or("the request model has no properties")?;
    let fields = {
        let mut names: Vec<&String> = example
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
            .collect();
        names.sort();
        names
    };
    let other = fields
        .iter()
        .flat_map(|field| {
            let current = &example[field.as_str()];
            neighbours(&properties[field.as_str()], current)
                .into_iter()
                .map(move |value| with(example, field, value))
        })
        .find(|body| judge.valid(body))
        .ok_or("no valid body differs from the example in one field; give the example a field that can take another value")?;
    let (wrong_field, wrong_type) = fields
        .iter()
        .find_map(|field| {
            wrong_types(&properties[field.as_str()])
                .into_iter()
                .map(|value| with(example, field, value))
                .find(|body| !(judge.model)(body))
                .map(|body| (field.to_string(), body))
        })
        .ok_or("no field of the example has a type the request model checks")?;
    if model["additionalProperties"] != json!(false) {
        return Err(
            "the parameters type accepts unknown keys; add #[serde(deny_unknown_fields)] so a misspelt field is refused"
                .into(),
        );
    }
    let mut unknown_key = "unexpectedKey".to_owned();
    while properties.contains_key(&unknown_key) {
        unknown_key.push('_');
    }
    let unknown = with(example, &unknown_key, json!(true));
    if (judge.model)(&unknown) {
        return Err(format!(
            "the request model accepts the unknown key `{unknown_key}`"
        ));
    }
    Ok(vec![
        ("exampleBody", compact(example)),
        ("otherBody", compact(&other)),
        ("wrongTypeField", wrong_field),
        ("wrongTypeBody", compact(&wrong_type)),
        ("unknownKeyBody", compact(&unknown)),
    ])
}

fn with(body: &Value, field: &str, value: Value) -> Value {
    let mut body = body.clone();
    body[field] = value;
    body
}

/// Values near `current` a field's schema may accept.
fn neighbours(schema: &Value, current: &Value) -> Vec<Value> {
    if let Some(options) = schema["enum"].as_array() {
        return options.iter().filter(|o| *o != current).cloned().collect();
    }
    match current {
        Value::Bool(b) => vec![json!(!b)],
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            let n = n.as_i64().unwrap_or(i64::MAX);
            vec![json!(n.saturating_add(1)), json!(n.saturating_sub(1))]
        }
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or_default();
            vec![json!(n + 1.0), json!(n - 1.0), json!(n / 2.0)]
        }
        Value::String(s) => {
            let mut shorter = s.clone();
            shorter.pop();
            vec![json!(format!("{s}x")), json!(shorter), json!("x")]
        }
        _ => Vec::new(),
    }
}

/// Values whose JSON type the field's schema does not allow.
fn wrong_types(schema: &Value) -> Vec<Value> {
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return Vec::new(),
    };
    let candidates = [
        ("string", json!("not the right type")),
        ("integer", json!(12345)),
        ("boolean", json!(true)),
        ("array", json!([])),
        ("object", json!({})),
    ];
    candidates
        .into_iter()
        // An integer is a number: it is no wrong type where numbers go.
        .filter(|(kind, _)| {
            let fits =
                allowed.contains(kind) || (*kind == "integer" && allowed.contains(&"number"));
            !fits
        })
        .map(|(_, value)| value)
        .collect()
}

fn compact(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for key in keys {
                    out.insert(key.clone(), sorted(&map[key]));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    // A map keeps insertion order or sorts; either way inserting sorted keys
    // gives sorted output.
    sorted(value).to_string()
}

/// The collection's text with each named variable's value set.
pub(super) fn write_variables(text: &str, variables: &[(&str, String)]) -> Result<String, String> {
    let mut out = text.to_owned();
    let variables_at = out
        .rfind("\"variable\"")
        .ok_or("the collection has no variables")?;
    for (name, value) in variables {
        let key = format!("\"key\": {}", Value::String((*name).to_owned()));
        let at = out[variables_at..]
            .find(&key)
            .map(|at| at + variables_at)
            .ok_or_else(|| {
                format!("the collection has no variable `{name}`; add it to its \"variable\" list")
            })?;
        let value_key = out[at..]
            .find("\"value\":")
            .map(|v| v + at + "\"value\":".len())
            .ok_or_else(|| format!("the variable `{name}` has no value"))?;
        let start = value_key + out[value_key..].len() - out[value_key..].trim_start().len();
        let mut stream = serde_json::Deserializer::from_str(&out[start..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(Value::String(_))) => {}
            _ => return Err(format!("the variable `{name}` does not hold a string")),
        }
        let end = start + stream.byte_offset();
        out.replace_range(start..end, &Value::String(value.clone()).to_string());
    }
    let written: Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    for (name, value) in variables {
        let found = written["variable"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["key"] == *name);
        if found.map(|v| &v["value"]) != Some(&Value::String(value.clone())) {
            return Err(format!(
                "the variable `{name}` is not in the collection's top-level \"variable\" list"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
