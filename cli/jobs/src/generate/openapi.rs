//! The job's part of `openapi/jobs-api.yaml`: the request body's schema
//! (the request model without `$schema`), the results' schema and the
//! request example. They sit between marker comments, so the hand-written
//! rest of the file keeps its layout and comments:
//!
//! ```yaml
//!     # BEGIN jobs generate: schemas
//!     ...
//!     # END jobs generate: schemas
//! ```

use serde_json::{Map, Value};

const BEGIN: &str = "# BEGIN jobs generate: ";
const END: &str = "# END jobs generate: ";

/// The request model as an OpenAPI 3.0 schema object: without `$schema`,
/// and with draft 04's `"type": [T, "null"]` said as `nullable`.
pub(super) fn schema_object(model: &Value, name: &str) -> Result<Value, String> {
    let mut schema = model.clone();
    if let Some(root) = schema.as_object_mut() {
        root.remove("$schema");
    }
    openapi_dialect(&mut schema, name)?;
    Ok(schema)
}

fn openapi_dialect(schema: &mut Value, at: &str) -> Result<(), String> {
    let Some(object) = schema.as_object_mut() else {
        return Ok(());
    };
    for key in ["definitions", "$ref"] {
        if object.contains_key(key) {
            return Err(format!(
                "{at}: `{key}` has no place in an OpenAPI 3.0 schema object; mark the nested types #[schemars(inline)]"
            ));
        }
    }
    if let Some(Value::Array(types)) = object.get("type") {
        let named: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
        let nullable = named.len() < types.len();
        let [only] = named.as_slice() else {
            return Err(format!(
                "{at}: OpenAPI 3.0 cannot say a value of several types ({types:?}); give the field one type"
            ));
        };
        let only = (*only).clone();
        object.insert("type".into(), only);
        if nullable {
            object.insert("nullable".into(), Value::Bool(true));
        }
    }
    if object.get("type") == Some(&Value::from("null")) {
        return Err(format!("{at}: OpenAPI 3.0 has no null type"));
    }
    for (key, value) in object.iter_mut() {
        let here = format!("{at}/{key}");
        match key.as_str() {
            "properties" | "patternProperties" => {
                for (name, inner) in value.as_object_mut().into_iter().flatten() {
                    openapi_dialect(inner, &format!("{here}/{name}"))?;
                }
            }
            "items" | "additionalProperties" | "not" => openapi_dialect(value, &here)?,
            "allOf" | "anyOf" | "oneOf" => {
                for (i, inner) in value.as_array_mut().into_iter().flatten().enumerate() {
                    openapi_dialect(inner, &format!("{here}/{i}"))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `text` with the region `name` holding `entries` (a mapping, written as
/// block YAML at the BEGIN marker's indentation).
pub(super) fn write_region(
    text: &str,
    name: &str,
    entries: &Map<String, Value>,
) -> Result<String, String> {
    let begin = format!("{BEGIN}{name}");
    let end = format!("{END}{name}");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let find = |marker: &str| -> Result<usize, String> {
        let mut found = lines
            .iter()
            .enumerate()
            .filter(|(_, line)| line.trim() == marker);
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Ok(i),
            (None, _) => Err(format!(
                "no `{marker}` line; put the pair of markers back where the job's {name} go"
            )),
            (Some(_), Some(_)) => Err(format!("`{marker}` appears more than once")),
        }
    };
    let (first, last) = (find(&begin)?, find(&end)?);
    if last < first {
        return Err(format!("`{end}` comes before `{begin}`"));
    }
    let indent = lines[first].len() - lines[first].trim_start().len();
    let mut out: String = lines[..=first].concat();
    yaml_mapping(entries, indent, &mut out);
    out.push_str(&lines[last..].concat());
    Ok(out)
}

/// Block YAML, keys sorted (whatever order serde_json keeps), strings
/// quoted as JSON unless they are a plain word.
fn yaml_mapping(map: &Map<String, Value>, indent: usize, out: &mut String) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar_string(key));
        out.push(':');
        yaml_value(&map[key], indent, out);
    }
}

/// The value after `key:` (a space and a scalar, or a block on the lines below).
fn yaml_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            yaml_mapping(map, indent + 2, out);
        }
        Value::Array(items) if items.iter().any(|v| v.is_object() || v.is_array()) => {
            out.push('\n');
            for item in items {
                out.push_str(&" ".repeat(indent + 2));
                out.push('-');
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        // The item's first key follows the dash; the rest line up under it.
                        let mut nested = String::new();
                        yaml_mapping(map, indent + 4, &mut nested);
                        out.push(' ');
                        out.push_str(nested.trim_start());
                    }
                    other => yaml_value(other, indent + 2, out),
                }
            }
        }
        other => {
            out.push(' ');
            out.push_str(&flow(other));
            out.push('\n');
        }
    }
}

fn flow(value: &Value) -> String {
    match value {
        Value::String(s) => scalar_string(s),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(_) => "{}".into(),
        other => other.to_string(),
    }
}

/// A plain word stays plain; anything YAML could read as another type or
/// as syntax is a JSON string, which YAML reads as the same string.
fn scalar_string(s: &str) -> String {
    const TYPED: &[&str] = &[
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'))
        && !TYPED.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_owned()
    } else {
        Value::String(s.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests;
