//! What each intrinsic function does with its evaluated arguments.

use crate::error::Failure;
use base64::Engine;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

impl Func {
    pub(super) fn from_name(n: &str) -> Option<(Func, usize, usize)> {
        use Func::*;
        const MANY: usize = usize::MAX;
        Some(match n {
            "States.Format" => (Format, 1, MANY),
            "States.StringToJson" => (StringToJson, 1, 1),
            "States.JsonToString" => (JsonToString, 1, 1),
            "States.Array" => (Array, 0, MANY),
            "States.ArrayPartition" => (ArrayPartition, 2, 2),
            "States.ArrayContains" => (ArrayContains, 2, 2),
            "States.ArrayRange" => (ArrayRange, 3, 3),
            "States.ArrayGetItem" => (ArrayGetItem, 2, 2),
            "States.ArrayLength" => (ArrayLength, 1, 1),
            "States.ArrayUnique" => (ArrayUnique, 1, 1),
            "States.Base64Encode" => (Base64Encode, 1, 1),
            "States.Base64Decode" => (Base64Decode, 1, 1),
            "States.Hash" => (Hash, 2, 2),
            "States.JsonMerge" => (JsonMerge, 3, 3),
            "States.MathRandom" => (MathRandom, 2, 3),
            "States.MathAdd" => (MathAdd, 2, 2),
            "States.StringSplit" => (StringSplit, 2, 2),
            "States.UUID" => (Uuid, 0, 0),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Piece {
    Text(String),
    Hole,
}

/// Applies `func` to its evaluated arguments; `format` is a `States.Format` template split at
/// load, `fail` words an error as coming from this call.
pub(super) fn apply(
    func: Func,
    format: Option<&[Piece]>,
    mut v: Vec<Value>,
    fail: &dyn Fn(&dyn std::fmt::Display) -> Failure,
) -> Result<Value, Failure> {
    use Func::*;
    let str_arg = |v: &Value, what: &str| -> Result<String, Failure> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| fail(&format!("the {what} must be a string")))
    };
    let arr_arg = |v: Value, what: &str| -> Result<Vec<Value>, Failure> {
        match v {
            Value::Array(a) => Ok(a),
            _ => Err(fail(&format!("the {what} must be an array"))),
        }
    };
    let int_arg = |v: &Value, what: &str| -> Result<i64, Failure> {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .ok_or_else(|| fail(&format!("the {what} must be an integer")))
    };
    // MathAdd and MathRandom take integers and round any other number as Java's Math.round
    // does (half up: -1.5 gives -1), which is what AWS runs.
    let rounded = |v: &Value, what: &str| -> Result<i64, Failure> {
        v.as_i64()
            .or_else(|| v.as_f64().map(|f| (f + 0.5).floor() as i64))
            .ok_or_else(|| fail(&format!("the {what} must be a number")))
    };
    Ok(match func {
        Format => {
            let owned;
            let pieces = match format {
                Some(p) => p,
                None => {
                    owned = split_holes(&str_arg(&v[0], "template")?);
                    &owned
                }
            };
            let holes = pieces.iter().filter(|p| **p == Piece::Hole).count();
            if holes != v.len() - 1 {
                return Err(fail(&format!(
                    "the template has {holes} placeholders but {} arguments were given",
                    v.len() - 1
                )));
            }
            let mut out = String::new();
            let mut it = v.iter().skip(1);
            for p in pieces {
                match p {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Hole => java_text(it.next().expect("counted"), &mut out),
                }
            }
            Value::String(out)
        }
        StringToJson => {
            let s = str_arg(&v[0], "argument")?;
            // AWS gives null for a blank text, and reads `-0` as 0.
            if s.trim().is_empty() {
                Value::Null
            } else {
                no_negative_zero(serde_json::from_str(&s).map_err(|e| fail(&e))?)
            }
        }
        JsonToString => Value::String(v[0].to_string()),
        Array => Value::Array(v),
        ArrayPartition => {
            let size = int_arg(&v[1], "chunk size")?;
            if size <= 0 {
                return Err(fail(&"the chunk size must be greater than 0"));
            }
            let a = arr_arg(v.swap_remove(0), "first argument")?;
            Value::Array(
                a.chunks(size as usize)
                    .map(|c| Value::Array(c.to_vec()))
                    .collect(),
            )
        }
        ArrayContains => {
            let needle = v.pop().expect("two args");
            let a = arr_arg(v.pop().expect("two args"), "first argument")?;
            Value::Bool(a.iter().any(|x| json_eq(x, &needle)))
        }
        ArrayRange => {
            let (s, e, st) = (
                int_arg(&v[0], "start")?,
                int_arg(&v[1], "end")?,
                int_arg(&v[2], "step")?,
            );
            if st == 0 {
                return Err(fail(&"the step must not be 0"));
            }
            let mut out = Vec::new();
            let mut x = s;
            while (st > 0 && x <= e) || (st < 0 && x >= e) {
                if out.len() == 1000 {
                    return Err(fail(&"the range has more than 1000 items"));
                }
                out.push(Value::from(x));
                x += st;
            }
            Value::Array(out)
        }
        ArrayGetItem => {
            let idx = int_arg(&v[1], "index")?;
            let a = arr_arg(v.swap_remove(0), "first argument")?;
            if idx < 0 || idx as usize >= a.len() {
                return Err(fail(&format!("index {idx} is out of bounds")));
            }
            a.into_iter().nth(idx as usize).expect("in bounds")
        }
        ArrayLength => Value::from(arr_arg(v.swap_remove(0), "argument")?.len()),
        ArrayUnique => {
            let a = arr_arg(v.swap_remove(0), "argument")?;
            let mut out: Vec<Value> = Vec::with_capacity(a.len());
            for x in a {
                if !out.iter().any(|y| json_eq(y, &x)) {
                    out.push(x);
                }
            }
            Value::Array(out)
        }
        Base64Encode => Value::String(
            base64::engine::general_purpose::STANDARD.encode(str_arg(&v[0], "argument")?),
        ),
        Base64Decode => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(str_arg(&v[0], "argument")?)
                .map_err(|e| fail(&e))?;
            Value::String(String::from_utf8(bytes).map_err(|e| fail(&e))?)
        }
        Hash => {
            let data = match &v[0] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let alg = str_arg(&v[1], "algorithm")?;
            Value::String(hash(&alg, data.as_bytes()).ok_or_else(|| {
                fail(&format!(
                    "unknown algorithm '{alg}' (MD5, SHA-1, SHA-256, SHA-384, SHA-512)"
                ))
            })?)
        }
        JsonMerge => {
            if v[2] != Value::Bool(false) {
                return Err(fail(&"only shallow merges (false) are supported"));
            }
            v.pop();
            let b = v.pop().expect("two objects");
            let a = v.pop().expect("two objects");
            match (a, b) {
                (Value::Object(mut a), Value::Object(b)) => {
                    a.extend(b);
                    Value::Object(a)
                }
                _ => return Err(fail(&"both arguments must be objects")),
            }
        }
        MathRandom => {
            let (s, e) = (rounded(&v[0], "start")?, rounded(&v[1], "end")?);
            if e <= s {
                return Err(fail(&"end must be greater than start"));
            }
            let n = match v.get(2) {
                Some(seed) => fastrand::Rng::with_seed(int_arg(seed, "seed")? as u64).i64(s..e),
                None => fastrand::i64(s..e),
            };
            Value::from(n)
        }
        MathAdd => {
            let (a, b) = (
                rounded(&v[0], "first argument")?,
                rounded(&v[1], "second argument")?,
            );
            Value::from(a.checked_add(b).ok_or_else(|| fail(&"the sum overflows"))?)
        }
        StringSplit => {
            let s = str_arg(&v[0], "string")?;
            let d = str_arg(&v[1], "delimiter")?;
            Value::Array(
                s.split(|c| d.contains(c))
                    .filter(|x| !x.is_empty())
                    .map(|x| Value::String(x.to_owned()))
                    .collect(),
            )
        }
        Uuid => Value::String(uuid::Uuid::new_v4().to_string()),
    })
}

/// A value as AWS's `States.Format` prints it: Java's `toString` of the parsed JSON, so an
/// object is `{a=1, b=[]}` and a string inside one is unquoted.
fn java_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_text(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                java_text(x, out);
            }
            out.push('}');
        }
        x => out.push_str(&x.to_string()),
    }
}

/// `-0` (and `-0.0`) as the 0 AWS gives for them.
fn no_negative_zero(v: Value) -> Value {
    match v {
        Value::Number(n) if n.as_f64() == Some(0.0) && n.to_string().starts_with('-') => {
            Value::from(0)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(no_negative_zero).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, no_negative_zero(x)))
                .collect(),
        ),
        x => x,
    }
}

/// JSON equality where `1` and `1.0` are the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

pub(crate) fn hash(alg: &str, data: &[u8]) -> Option<String> {
    use sha2::Digest;
    fn hex(b: &[u8]) -> String {
        use std::fmt::Write;
        b.iter()
            .fold(String::with_capacity(b.len() * 2), |mut s, x| {
                let _ = write!(s, "{x:02x}");
                s
            })
    }
    Some(match alg {
        "MD5" => hex(&md5::Md5::digest(data)),
        "SHA-1" => hex(&sha1::Sha1::digest(data)),
        "SHA-256" => hex(&sha2::Sha256::digest(data)),
        "SHA-384" => hex(&sha2::Sha384::digest(data)),
        "SHA-512" => hex(&sha2::Sha512::digest(data)),
        _ => return None,
    })
}

pub(super) fn split_holes(s: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("{}") {
        if i > 0 {
            out.push(Piece::Text(rest[..i].to_owned()));
        }
        out.push(Piece::Hole);
        rest = &rest[i + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_owned()));
    }
    out
}
