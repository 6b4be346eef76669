//! The request model read as a form: each parameter's name, type, bounds and
//! description, and a field's text turned into the JSON value its type
//! wants. The CLI's `KEY=VALUE` pairs and the console's submit form both
//! type their input this way.

use serde_json::{Map, Value};

use crate::api::REQUEST_MODEL;

/// What kind of input a parameter takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Integer,
    Number,
    String,
    Boolean,
    /// One of these values.
    Enum(Vec<Value>),
    /// Anything else (objects, arrays, several types): JSON text.
    Json,
}

/// One parameter of the request model.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub kind: Kind,
    pub required: bool,
    pub description: Option<String>,
    pub minimum: Option<Value>,
    pub maximum: Option<Value>,
    pub max_length: Option<u64>,
    /// The property's schema as the model writes it.
    pub schema: Value,
}

/// The model of `POST /jobs` bodies that the servers validate with, parsed
/// once (the console renders its form from it on every page).
pub fn request_model() -> &'static Value {
    static MODEL: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| serde_json::from_str(REQUEST_MODEL).expect("the request model is JSON"))
}

/// The parameters of a model, in the order its `properties` lists them.
pub fn fields(model: &Value) -> Vec<Field> {
    let required: Vec<&str> = model["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let empty = Map::new();
    let properties = model["properties"].as_object().unwrap_or(&empty);
    properties
        .iter()
        .map(|(name, schema)| Field {
            name: name.clone(),
            kind: kind(schema),
            required: required.contains(&name.as_str()),
            description: schema["description"].as_str().map(str::to_owned),
            minimum: schema.get("minimum").cloned(),
            maximum: schema.get("maximum").cloned(),
            max_length: schema["maxLength"].as_u64(),
            schema: schema.clone(),
        })
        .collect()
}

fn kind(schema: &Value) -> Kind {
    if let Some(values) = schema["enum"].as_array() {
        return Kind::Enum(values.clone());
    }
    match schema["type"].as_str() {
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("string") => Kind::String,
        Some("boolean") => Kind::Boolean,
        _ => Kind::Json,
    }
}

/// A field's text as the value its schema types: strings as written,
/// everything else read as JSON (`3`, `true`, `[1, 2]`). `Err` says what
/// type the text should have been.
pub fn typed(raw: &str, schema: &Value) -> Result<Value, String> {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(t) => t.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let fits = |v: &Value| {
        types.is_empty()
            || types.iter().any(|t| match *t {
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                "array" => v.is_array(),
                "object" => v.is_object(),
                "null" => v.is_null(),
                _ => v.is_string(),
            })
    };
    let as_json = serde_json::from_str::<Value>(raw.trim()).ok();
    if let Some(value) = as_json.filter(|v| !v.is_string() && fits(v)) {
        return Ok(value);
    }
    if types.is_empty() || types.contains(&"string") {
        return Ok(Value::String(raw.to_owned()));
    }
    Err(format!("must be {}", types.join(" or ")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn text_is_typed_by_the_schema() {
        assert_eq!(typed("3", &json!({"type": "integer"})), Ok(json!(3)));
        assert_eq!(typed(" 3 ", &json!({"type": "integer"})), Ok(json!(3)));
        assert!(typed("1.5", &json!({"type": "integer"})).is_err());
        assert_eq!(typed("1.5", &json!({"type": "number"})), Ok(json!(1.5)));
        assert_eq!(typed("true", &json!({"type": "boolean"})), Ok(json!(true)));
        assert_eq!(typed("42", &json!({"type": "string"})), Ok(json!("42")));
        assert_eq!(typed("[1]", &json!({"type": "array"})), Ok(json!([1])));
        assert_eq!(typed("fast", &json!({"enum": ["fast"]})), Ok(json!("fast")));
        assert_eq!(
            typed("three", &json!({"type": "integer"})),
            Err("must be integer".into())
        );
    }

    #[test]
    fn fields_read_the_model_in_its_order() {
        let model = json!({
            "required": ["b"],
            "properties": {
                "b": {"type": "integer", "minimum": 1, "description": "B."},
                "a": {"enum": ["x", "y"]}
            }
        });
        let f = fields(&model);
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        // serde_json keeps keys sorted unless its preserve_order is on.
        assert!(names == ["a", "b"] || names == ["b", "a"], "{names:?}");
        let b = f.iter().find(|f| f.name == "b").unwrap();
        assert_eq!(b.kind, Kind::Integer);
        assert!(b.required);
        assert_eq!(b.minimum, Some(json!(1)));
        assert_eq!(b.description.as_deref(), Some("B."));
        let a = f.iter().find(|f| f.name == "a").unwrap();
        assert_eq!(a.kind, Kind::Enum(vec![json!("x"), json!("y")]));
        assert!(!a.required);
    }

    #[test]
    fn the_apis_model_has_fields() {
        assert!(!fields(request_model()).is_empty());
    }
}
