//! The functions Step Functions adds to JSONata (`$partition`, `$range`, `$hash`, `$random`
//! with a seed, `$uuid`, `$parse`), `$eval` refused as Step Functions refuses it, and the
//! built-ins whose results differ from jsonata 2.0.6 in the evaluator (`$formatBase`,
//! `$encodeUrl`, `$encodeUrlComponent`), done here as the reference does them.

use jsonata_core::evaluator::{Evaluator, EvaluatorError, HostFnResult};
use jsonata_core::value::JValue;
use std::collections::BTreeSet;

/// The most items `$range` builds, as for `States.ArrayRange`.
const MAX_RANGE: usize = 1000;

fn err(msg: impl Into<String>) -> EvaluatorError {
    EvaluatorError::EvaluationError(msg.into())
}

fn number(args: &[JValue], i: usize, f: &str) -> Result<Option<f64>, EvaluatorError> {
    match args.get(i) {
        None | Some(JValue::Undefined) => Ok(None),
        Some(JValue::Number(n)) => Ok(Some(*n)),
        Some(_) => Err(err(format!(
            "T0410: Argument {} of function \"{f}\" does not match function signature",
            i + 1
        ))),
    }
}

fn integer(args: &[JValue], i: usize, f: &str) -> Result<Option<i64>, EvaluatorError> {
    match number(args, i, f)? {
        Some(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(Some(n as i64)),
        Some(n) => Err(err(format!(
            "Argument {} of function \"{f}\" must be an integer, not {n}",
            i + 1
        ))),
        None => Ok(None),
    }
}

fn string<'a>(args: &'a [JValue], i: usize, f: &str) -> Result<Option<&'a str>, EvaluatorError> {
    match args.get(i) {
        None | Some(JValue::Undefined) => Ok(None),
        Some(JValue::String(s)) => Ok(Some(s)),
        Some(_) => Err(err(format!(
            "T0410: Argument {} of function \"{f}\" does not match function signature",
            i + 1
        ))),
    }
}

fn partition(args: &[JValue]) -> HostFnResult {
    let items: Vec<JValue> = match args.first() {
        None | Some(JValue::Undefined) => return Ok(JValue::Undefined),
        Some(JValue::Array(a)) => a.iter().cloned().collect(),
        Some(other) => vec![other.clone()],
    };
    let size = integer(args, 1, "partition")?
        .filter(|n| *n > 0)
        .ok_or_else(|| err("Argument 2 of function \"partition\" must be a positive integer"))?;
    Ok(JValue::array(
        items
            .chunks(size as usize)
            .map(|c| JValue::array(c.to_vec()))
            .collect(),
    ))
}

fn range(args: &[JValue]) -> HostFnResult {
    let (Some(start), Some(end)) = (integer(args, 0, "range")?, integer(args, 1, "range")?) else {
        return Err(err("Function \"range\" takes a start, an end and a step"));
    };
    let step = integer(args, 2, "range")?.unwrap_or(1);
    if step == 0 {
        return Err(err("Argument 3 of function \"range\" must not be zero"));
    }
    let mut out = Vec::new();
    let mut v = start;
    while (step > 0 && v <= end) || (step < 0 && v >= end) {
        if out.len() == MAX_RANGE {
            return Err(err(format!(
                "Function \"range\" would return more than {MAX_RANGE} items"
            )));
        }
        out.push(JValue::Number(v as f64));
        v += step;
    }
    // A sequence of one item is that item in JSONata, and AWS gives it so.
    if out.len() == 1 {
        return Ok(out.pop().expect("one item"));
    }
    Ok(JValue::array(out))
}

fn hash(args: &[JValue]) -> HostFnResult {
    let Some(data) = string(args, 0, "hash")? else {
        return Ok(JValue::Undefined);
    };
    let alg = string(args, 1, "hash")?.unwrap_or("");
    crate::intrinsics::hash(alg, data.as_bytes())
        .map(JValue::from)
        .ok_or_else(|| {
            err(format!(
                "Argument 2 of function \"hash\" must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, not '{alg}'"
            ))
        })
}

/// `java.util.Random(seed).nextDouble()`, which is what Step Functions' seeded `$random`
/// returns: the same seed gives the same number there and here.
fn seeded_random(seed: i64) -> f64 {
    const MULT: u64 = 0x5DEECE66D;
    const MASK: u64 = (1 << 48) - 1;
    let mut s = (seed as u64 ^ MULT) & MASK;
    let mut next = |bits: u32| {
        s = (s.wrapping_mul(MULT).wrapping_add(0xB)) & MASK;
        (s >> (48 - bits)) as i64
    };
    let hi = next(26);
    let lo = next(27);
    ((hi << 27) + lo) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn random(args: &[JValue]) -> HostFnResult {
    Ok(JValue::Number(match integer(args, 0, "random")? {
        Some(seed) => seeded_random(seed),
        None => fastrand::f64(),
    }))
}

fn uuid(_: &[JValue]) -> HostFnResult {
    Ok(JValue::from(uuid::Uuid::new_v4().to_string()))
}

fn parse(args: &[JValue]) -> HostFnResult {
    let Some(text) = string(args, 0, "parse")? else {
        return Ok(JValue::Undefined);
    };
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| err(format!("Function \"parse\": the string is not JSON: {e}")))?;
    Ok(super::values::to_jvalue(&v))
}

/// Step Functions does not define `$eval`: calling it fails as calling any name that is not
/// a function does.
fn eval(_: &[JValue]) -> HostFnResult {
    Err(err("T1006: Attempted to invoke a non-function"))
}

/// jsonata rounds half to even before converting.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    }
}

fn format_base(args: &[JValue]) -> HostFnResult {
    let Some(value) = number(args, 0, "formatBase")? else {
        return Ok(JValue::Undefined);
    };
    let radix = match number(args, 1, "formatBase")? {
        None => 10,
        Some(r) => {
            let r = round_half_even(r);
            if !(2.0..=36.0).contains(&r) {
                return Err(err(format!(
                    "D3100: The radix of the formatBase function must be between 2 and 36.  It was given {r}"
                )));
            }
            r as u32
        }
    };
    let v = round_half_even(value);
    let mut n = v.abs() as u128;
    let mut digits = Vec::new();
    loop {
        digits.push(std::char::from_digit((n % radix as u128) as u32, radix).expect("digit"));
        n /= radix as u128;
        if n == 0 {
            break;
        }
    }
    if v < 0.0 {
        digits.push('-');
    }
    Ok(JValue::from(digits.iter().rev().collect::<String>()))
}

/// `encodeURIComponent` / `encodeURI` of JavaScript: UTF-8 bytes as `%XX`, except the
/// characters each leaves as they are.
fn percent_encode(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn encode_url_component(args: &[JValue]) -> HostFnResult {
    Ok(match string(args, 0, "encodeUrlComponent")? {
        Some(s) => JValue::from(percent_encode(s, "-_.!~*'()")),
        None => JValue::Undefined,
    })
}

fn encode_url(args: &[JValue]) -> HostFnResult {
    Ok(match string(args, 0, "encodeUrl")? {
        Some(s) => JValue::from(percent_encode(s, "-_.!~*'();,/?:@&=+$#")),
        None => JValue::Undefined,
    })
}

/// Registers the functions among `called` that this module defines.
pub(super) fn register(ev: &mut Evaluator, called: &BTreeSet<String>) {
    type F = fn(&[JValue]) -> HostFnResult;
    const ADDED: [(&str, F); 5] = [
        ("partition", partition),
        ("range", range),
        ("hash", hash),
        ("uuid", uuid),
        ("parse", parse),
    ];
    const REPLACED: [(&str, F); 5] = [
        ("random", random),
        ("eval", eval),
        ("formatBase", format_base),
        ("encodeUrl", encode_url),
        ("encodeUrlComponent", encode_url_component),
    ];
    for (name, f) in ADDED {
        if called.contains(name) {
            ev.register_fn(name, f).expect("not a built-in name");
        }
    }
    for (name, f) in REPLACED {
        if called.contains(name) {
            ev.register_fn_override(name, f)
                .expect("not a compiled built-in");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_java_util_random() {
        // new java.util.Random(42).nextDouble()
        assert_eq!(seeded_random(42), 0.7275636800328681);
        assert_eq!(seeded_random(0), 0.730967787376657);
    }

    #[test]
    fn half_even_rounding() {
        assert_eq!(round_half_even(0.5), 0.0);
        assert_eq!(round_half_even(1.5), 2.0);
        assert_eq!(round_half_even(-2.5), -2.0);
        assert_eq!(round_half_even(2.6), 3.0);
    }

    #[test]
    fn url_encoding_keeps_what_javascript_keeps() {
        assert_eq!(
            percent_encode("a-b.c d✓", "-_.!~*'()"),
            "a-b.c%20d%E2%9C%93"
        );
    }
}
