//! JSON values and JSONata values, each way: the one conversion the
//! evaluator, the host functions and the results share.

use jsonata_core::value::JValue;
use serde_json::Value;

/// The JSONata value of a JSON value.
pub(crate) fn to_jvalue(v: &Value) -> JValue {
    match v {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JValue::from(s.as_str()),
        Value::Array(a) => JValue::array(a.iter().map(to_jvalue).collect()),
        Value::Object(m) => {
            JValue::object(m.iter().map(|(k, v)| (k.clone(), to_jvalue(v))).collect())
        }
    }
}

/// The JSON value of a JSONata result; `None` for undefined and for functions. Whole numbers
/// become JSON integers, as JavaScript prints them.
pub(crate) fn to_value(v: &JValue) -> Option<Value> {
    Some(match v {
        JValue::Null => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => number(*n),
        JValue::String(s) => Value::String(s.to_string()),
        JValue::Array(a) => {
            // Undefined members of a sequence are dropped, as JSON.stringify would not.
            Value::Array(a.iter().filter_map(to_value).collect())
        }
        JValue::Object(m) => Value::Object(
            m.iter()
                .filter_map(|(k, v)| to_value(v).map(|v| (k.clone(), v)))
                .collect(),
        ),
        _ => return None,
    })
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}
