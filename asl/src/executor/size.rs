//! The 256 KiB Step Functions allows a state's data: a task's result, a state's input after
//! Parameters or Arguments, a Parallel's or a Map's result, and every state's output. Over it,
//! the state fails with `States.DataLimitExceeded`.
//!
//! The size is that of the compact JSON text in UTF-8, counted without writing it: every
//! state's output is measured, so the count must cost far less than the state itself.

use crate::error::{names, Failure};
use serde_json::Value;

/// The most bytes any state's data may take.
pub(super) const MAX_DATA: usize = 256 * 1024;

/// A result or output over the limit, in AWS's words: `name` is the task's service or
/// resource for a task's result, and the state's name for a Parallel's or Map's result and
/// for a state's output (as AWS names a Parallel whose branches return too much).
#[inline]
pub(super) fn check_returned(v: &Value, name: &str) -> Result<(), Failure> {
    if over(v, MAX_DATA) {
        return Err(returned_too_much(name));
    }
    Ok(())
}

#[cold]
fn returned_too_much(name: &str) -> Failure {
    Failure::new(
        names::DATA_LIMIT_EXCEEDED,
        format!(
            "The state/task '{name}' returned a result with a size exceeding the maximum number \
             of bytes service limit."
        ),
    )
}

/// The input a work state hands its task or branches, after InputPath and Parameters (or
/// Arguments), over the limit.
#[inline]
pub(super) fn check_effective_input(v: &Value, state: &str, field: &str) -> Result<(), Failure> {
    if over(v, MAX_DATA) {
        return Err(input_too_big(state, field));
    }
    Ok(())
}

#[cold]
fn input_too_big(state: &str, field: &str) -> Failure {
    Failure::new(
        names::DATA_LIMIT_EXCEEDED,
        format!(
            "The input of the state '{state}' after {field} is more than the maximum number of \
             bytes service limit ({MAX_DATA} bytes)."
        ),
    )
}

/// Whether `v`, written as compact JSON, takes more than `limit` bytes; counting stops as soon
/// as it does.
#[inline]
pub(super) fn over(v: &Value, limit: usize) -> bool {
    // Most data is far under the limit: a bound that reads no string's bytes settles it, and
    // only data near the limit is counted exactly.
    let mut left = limit;
    if bound_fits(v, &mut left) {
        return false;
    }
    let mut left = limit;
    !fits(v, &mut left)
}

/// As [`fits`], with each string counted as if every byte needed the longest escape and each
/// number as long as any: never less than the exact length.
fn bound_fits(v: &Value, left: &mut usize) -> bool {
    match v {
        Value::Null | Value::Bool(_) => take(left, 5),
        // i64::MIN takes 20 bytes; a float as serde_json writes it at most 24.
        Value::Number(_) => take(left, 24),
        Value::String(s) => take(left, 2 + 6 * s.len()),
        Value::Array(items) => {
            take(left, 2 + items.len()) && items.iter().all(|i| bound_fits(i, left))
        }
        Value::Object(map) => {
            take(left, 2 + 2 * map.len())
                && map
                    .iter()
                    .all(|(k, v)| take(left, 2 + 6 * k.len()) && bound_fits(v, left))
        }
    }
}

/// Takes `v`'s length from `left`; false once the budget runs out.
fn fits(v: &Value, left: &mut usize) -> bool {
    match v {
        Value::Null => take(left, 4),
        Value::Bool(b) => take(left, if *b { 4 } else { 5 }),
        Value::Number(n) => take(left, number_len(n)),
        Value::String(s) => take(left, string_len(s)),
        Value::Array(items) => {
            // Brackets, and a comma between items.
            take(left, 2 + items.len().saturating_sub(1)) && items.iter().all(|i| fits(i, left))
        }
        Value::Object(map) => {
            // Braces, a colon per member, a comma between members.
            take(left, 2 + map.len() + map.len().saturating_sub(1))
                && map
                    .iter()
                    .all(|(k, v)| take(left, string_len(k)) && fits(v, left))
        }
    }
}

fn take(left: &mut usize, n: usize) -> bool {
    match left.checked_sub(n) {
        Some(rest) => {
            *left = rest;
            true
        }
        None => false,
    }
}

/// A string's length in quotes, with serde_json's escapes: `\"`, `\\` and the short forms of
/// five control characters take two bytes, the other control characters six (`\u001f`).
fn string_len(s: &str) -> usize {
    let escapes: usize = s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | 0x08 | 0x0c | b'\n' | b'\r' | b'\t' => 1,
            0x00..=0x1f => 5,
            _ => 0,
        })
        .sum();
    s.len() + 2 + escapes
}

fn number_len(n: &serde_json::Number) -> usize {
    if let Some(u) = n.as_u64() {
        digits(u)
    } else if let Some(i) = n.as_i64() {
        1 + digits(i.unsigned_abs())
    } else {
        // Floats are rare in state data: write them as serde_json does.
        n.to_string().len()
    }
}

fn digits(mut u: u64) -> usize {
    let mut d = 1;
    while u >= 10 {
        u /= 10;
        d += 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exact(v: &Value) {
        let len = v.to_string().len();
        assert!(!over(v, len), "{v} is {len} bytes, counted more");
        assert!(over(v, len - 1), "{v} is {len} bytes, counted fewer");
    }

    #[test]
    fn the_count_is_the_length_of_the_compact_json_text() {
        for v in [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(9),
            json!(10),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(-1),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(2.5e-8),
            json!(""),
            json!("plain"),
            json!("quote \" backslash \\ slash /"),
            json!("\n\r\t\u{8}\u{c} and \u{0}\u{1f}\u{7f}"),
            json!("déjà vu, 日本, 🎉"),
            json!([]),
            json!([1]),
            json!([1, "two", [3, {}], null]),
            json!({}),
            json!({"a": 1}),
            json!({"k\"ey": {"nested": [true, false, {"x": "y\n"}]}, "b": -12}),
        ] {
            exact(&v);
        }
    }

    #[test]
    fn the_bound_is_never_under_the_count() {
        for v in [
            json!(i64::MIN),
            json!(-1.2345678901234567e-300),
            json!("\u{1}\u{2}\u{3}"),
            json!({"\u{1f}": [null, false, "\"\\"]}),
        ] {
            let len = v.to_string().len();
            let mut left = len - 1;
            assert!(!bound_fits(&v, &mut left), "{v}: the bound is under {len}");
        }
    }

    #[test]
    fn the_count_stops_at_the_limit() {
        let big = json!({"items": vec!["x".repeat(100); 10_000]});
        assert!(over(&big, MAX_DATA));
        assert!(!over(&json!({"items": vec!["x"; 10]}), MAX_DATA));
    }
}
