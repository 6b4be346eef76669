//! A job's parameters as the use cases carry them: a JSON object that the
//! job's own type has accepted.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A JSON object. Made by [`DynWork`](super::DynWork) from a body or a
/// document the job's type accepted, or read back from a store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Document(Value);

/// Why a request body or a parameters document was refused. Each message
/// tells the caller what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDocument {
    #[error("the request body is empty; send the job's parameters as a JSON object")]
    Empty,
    #[error("the request body is {0} bytes; the limit is {1} bytes")]
    TooLarge(usize, usize),
    #[error(
        "the request body is not valid JSON ({0}); send the job's parameters as a JSON object"
    )]
    NotJson(String),
    #[error("the parameters must be a JSON object, not {0}")]
    NotAnObject(&'static str),
    /// The document does not fit the job's parameters type (serde's words).
    #[error("the parameters do not fit the job: {0}")]
    Mismatch(String),
    /// The job's own checks refused it.
    #[error("{0}")]
    Refused(String),
    /// Valid JSON that the job store cannot hold (see [`Document::storable`]).
    #[error("{0}")]
    Unstorable(Unstorable),
}

/// What no job store of this system holds, whichever one runs: DynamoDB's
/// limits, applied everywhere so that the local stack refuses what the
/// deployed one would.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unstorable {
    #[error("{path} is {number}, a number the job store cannot hold (magnitudes from 1e-130 to below 1e126, at most 38 significant digits)")]
    Number { path: String, number: String },
    #[error("{path} is nested {depth} levels deep; the job store holds at most {MAX_DEPTH}")]
    TooDeep { path: String, depth: usize },
}

/// DynamoDB's nesting limit for maps and lists.
pub const MAX_DEPTH: usize = 32;

impl Document {
    /// The body-level checks of `POST /jobs`: size, emptiness, JSON, an
    /// object. The job's type checks the rest.
    pub(crate) fn parse_body(body: &[u8], limit: usize) -> Result<Self, InvalidDocument> {
        if body.len() > limit {
            return Err(InvalidDocument::TooLarge(body.len(), limit));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(InvalidDocument::Empty);
        }
        let value: Value =
            serde_json::from_slice(body).map_err(|e| InvalidDocument::NotJson(e.to_string()))?;
        Self::from_value(value)
    }

    /// Any JSON object: for documents a store read back, which were checked
    /// when they were submitted.
    pub fn from_value(value: Value) -> Result<Self, InvalidDocument> {
        match value {
            Value::Object(_) => Ok(Self(value)),
            other => Err(InvalidDocument::NotAnObject(kind(&other))),
        }
    }

    /// Whether every job store can hold this document as it is: numbers in
    /// DynamoDB's range and precision, nesting within its 32 levels (the
    /// document itself is the first). Checked at submit for parameters (a 400)
    /// and before recording results (a failed job), never silently dropped.
    pub fn storable(value: &Value) -> Result<(), Unstorable> {
        storable(value, "$", 1)
    }

    pub fn as_value(&self) -> &Value {
        &self.0
    }

    pub fn to_value(&self) -> Value {
        self.0.clone()
    }

    /// Compact JSON with object keys sorted at every level, whatever order
    /// the client sent them in and whatever order serde_json keeps. For a
    /// flat object this is what serde_json wrote for a struct with its
    /// fields in name order, so fingerprints taken that way still match.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        canonical(&self.0, &mut out);
        out
    }
}

fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn storable(value: &Value, path: &str, depth: usize) -> Result<(), Unstorable> {
    let nested = |depth: usize| {
        if depth > MAX_DEPTH {
            Err(Unstorable::TooDeep {
                path: path.to_owned(),
                depth,
            })
        } else {
            Ok(())
        }
    };
    match value {
        Value::Object(map) => {
            nested(depth)?;
            for (key, item) in map {
                storable(item, &format!("{path}.{key}"), depth + 1)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            nested(depth)?;
            for (i, item) in items.iter().enumerate() {
                storable(item, &format!("{path}[{i}]"), depth + 1)?;
            }
            Ok(())
        }
        Value::Number(number) if !number_fits(number) => Err(Unstorable::Number {
            path: path.to_owned(),
            number: number.to_string(),
        }),
        _ => Ok(()),
    }
}

/// DynamoDB numbers: zero, or a magnitude from 1e-130 to below 1e126 with at
/// most 38 significant digits. Integers and doubles always fit the digits
/// (at most 20 and 17); only a double's magnitude can fall outside.
fn number_fits(number: &serde_json::Number) -> bool {
    if number.is_i64() || number.is_u64() {
        return true;
    }
    number
        .as_f64()
        .is_some_and(|x| x == 0.0 || (1e-130..1e126).contains(&x.abs()))
}

/// How a message names a JSON value's type.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(body: &str) -> Result<Document, InvalidDocument> {
        Document::parse_body(body.as_bytes(), 64)
    }

    #[test]
    fn bodies_are_objects_within_the_limit() {
        assert!(parse(r#"{"n": 1}"#).is_ok());
        assert_eq!(parse(""), Err(InvalidDocument::Empty));
        assert_eq!(parse(" \n\t"), Err(InvalidDocument::Empty));
        assert!(matches!(parse("n=1"), Err(InvalidDocument::NotJson(_))));
        assert!(matches!(
            Document::parse_body(&[0xff, 0xfe, 0x00], 64),
            Err(InvalidDocument::NotJson(_))
        ));
        assert_eq!(parse("[1]"), Err(InvalidDocument::NotAnObject("an array")));
        assert_eq!(parse("null"), Err(InvalidDocument::NotAnObject("null")));
        let at_limit = format!(r#"{{"n": 1}}{}"#, " ".repeat(64 - 8));
        assert_eq!(at_limit.len(), 64);
        assert!(parse(&at_limit).is_ok());
        let over = format!("{at_limit} ");
        assert_eq!(parse(&over), Err(InvalidDocument::TooLarge(65, 64)));
    }

    #[test]
    fn only_what_every_store_holds_is_storable() {
        assert!(
            Document::storable(&json!({"a": [1, -2, 0.5, 1e125, -1e-130, 0.0, u64::MAX]})).is_ok()
        );
        let err = Document::storable(&json!({"a": {"b": [1e200]}})).unwrap_err();
        assert_eq!(
            err,
            Unstorable::Number {
                path: "$.a.b[0]".into(),
                number: "1e+200".into()
            }
        );
        assert!(err.to_string().contains("cannot hold"), "{err}");
        assert!(Document::storable(&json!({"tiny": 1e-131})).is_err());
        assert!(Document::storable(&json!({"big": 1e126})).is_err());

        let mut deep = json!(1);
        for _ in 0..MAX_DEPTH {
            deep = json!([deep]);
        }
        assert!(Document::storable(&deep).is_ok());
        let deeper = json!({ "x": deep });
        let err = Document::storable(&deeper).unwrap_err();
        assert!(
            matches!(&err, Unstorable::TooDeep { depth: 33, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("at most 32"), "{err}");
    }

    #[test]
    fn the_canonical_form_sorts_keys_at_every_level_and_is_compact() {
        let a = Document::from_value(json!({"b": [1, {"y": 2, "x": 1}], "a": "é"})).unwrap();
        let b: Document =
            serde_json::from_str(r#"{ "a" : "é", "b" : [1, {"x": 1, "y": 2}] }"#).unwrap();
        assert_eq!(a.canonical(), r#"{"a":"é","b":[1,{"x":1,"y":2}]}"#);
        assert_eq!(a.canonical(), b.canonical());
    }
}
