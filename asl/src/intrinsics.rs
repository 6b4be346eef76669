//! Intrinsic functions (`States.Format('{} x', $.a)` and friends), parsed at load time.
//!
//! Arguments are string literals in single quotes (`\'`, `\{`, `\}` and `\\` escape),
//! numbers, `true`/`false`/`null`, JSONPaths (`$.a`, `$$.Execution.Id`) and nested calls.

use crate::error::Failure;
use crate::path::Path;
use base64::Engine;
use serde_json::{Number, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
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
    fn from_name(n: &str) -> Option<(Func, usize, usize)> {
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
enum Piece {
    Text(String),
    Hole,
}

#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Lit(Value),
    Path(Path),
    Call(Box<Intrinsic>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Intrinsic {
    src: Box<str>,
    func: Func,
    args: Vec<Arg>,
    /// The template of a `States.Format` whose first argument is a literal, split at its
    /// unescaped `{}` once at load time.
    format: Option<Vec<Piece>>,
}

impl Intrinsic {
    pub fn parse(src: &str) -> Result<Intrinsic, String> {
        let mut p = Parser {
            s: src.trim(),
            i: 0,
        };
        let f = p.call()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!(
                "'{src}': unexpected text after the call: '{}'",
                &p.s[p.i..]
            ));
        }
        Ok(f)
    }

    /// Whether any argument, however nested, reads the context object.
    pub fn uses_context(&self) -> bool {
        self.args.iter().any(|a| match a {
            Arg::Path(p) => p.root() == crate::path::Root::Context,
            Arg::Call(c) => c.uses_context(),
            Arg::Lit(_) => false,
        })
    }

    /// Every path this call reads, however nested.
    pub fn paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        for a in &self.args {
            match a {
                Arg::Path(p) => out.push(p),
                Arg::Call(c) => c.paths(out),
                Arg::Lit(_) => {}
            }
        }
    }

    pub fn eval(&self, input: &Value, ctx: &Value) -> Result<Value, Failure> {
        self.eval_in(input, &crate::path::Env::context_only(ctx))
    }

    /// Evaluates with the variables of `env` as well.
    pub fn eval_in(&self, input: &Value, env: &crate::path::Env<'_>) -> Result<Value, Failure> {
        let mut vals = Vec::with_capacity(self.args.len());
        for a in &self.args {
            vals.push(match a {
                Arg::Lit(v) => v.clone(),
                Arg::Path(p) => p
                    .select_in(input, env)
                    .ok_or_else(|| {
                        self.fail(format!("the path '{p}' could not be found in the input"))
                    })?
                    .into_owned(),
                Arg::Call(c) => c.eval_in(input, env)?,
            });
        }
        self.apply(vals)
    }

    fn fail(&self, msg: impl std::fmt::Display) -> Failure {
        Failure::runtime(format!(
            "The function '{}' had the following error: {msg}",
            self.src
        ))
    }

    fn apply(&self, mut v: Vec<Value>) -> Result<Value, Failure> {
        use Func::*;
        let str_arg = |v: &Value, what: &str| -> Result<String, Failure> {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| self.fail(format!("the {what} must be a string")))
        };
        let arr_arg = |v: Value, what: &str| -> Result<Vec<Value>, Failure> {
            match v {
                Value::Array(a) => Ok(a),
                _ => Err(self.fail(format!("the {what} must be an array"))),
            }
        };
        let int_arg = |v: &Value, what: &str| -> Result<i64, Failure> {
            v.as_i64()
                .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .ok_or_else(|| self.fail(format!("the {what} must be an integer")))
        };
        // MathAdd and MathRandom take integers and round any other number to the nearest one.
        let rounded = |v: &Value, what: &str| -> Result<i64, Failure> {
            v.as_i64()
                .or_else(|| v.as_f64().map(|f| f.round() as i64))
                .ok_or_else(|| self.fail(format!("the {what} must be a number")))
        };
        Ok(match self.func {
            Format => {
                let owned;
                let pieces = match &self.format {
                    Some(p) => p,
                    None => {
                        owned = split_holes(&str_arg(&v[0], "template")?);
                        &owned
                    }
                };
                let holes = pieces.iter().filter(|p| **p == Piece::Hole).count();
                if holes != v.len() - 1 {
                    return Err(self.fail(format!(
                        "the template has {holes} placeholders but {} arguments were given",
                        v.len() - 1
                    )));
                }
                let mut out = String::new();
                let mut it = v.iter().skip(1);
                for p in pieces {
                    match p {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Hole => match it.next().expect("counted") {
                            Value::String(s) => out.push_str(s),
                            x @ (Value::Number(_) | Value::Bool(_) | Value::Null) => {
                                out.push_str(&x.to_string())
                            }
                            _ => {
                                return Err(self
                                    .fail("arguments must be strings, numbers, booleans or null"))
                            }
                        },
                    }
                }
                Value::String(out)
            }
            StringToJson => {
                let s = str_arg(&v[0], "argument")?;
                serde_json::from_str(&s).map_err(|e| self.fail(e))?
            }
            JsonToString => Value::String(v[0].to_string()),
            Array => Value::Array(v),
            ArrayPartition => {
                let size = int_arg(&v[1], "chunk size")?;
                if size <= 0 {
                    return Err(self.fail("the chunk size must be greater than 0"));
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
                    return Err(self.fail("the step must not be 0"));
                }
                let mut out = Vec::new();
                let mut x = s;
                while (st > 0 && x <= e) || (st < 0 && x >= e) {
                    if out.len() == 1000 {
                        return Err(self.fail("the range has more than 1000 items"));
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
                    return Err(self.fail(format!("index {idx} is out of bounds")));
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
                    .map_err(|e| self.fail(e))?;
                Value::String(String::from_utf8(bytes).map_err(|e| self.fail(e))?)
            }
            Hash => {
                let data = match &v[0] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let alg = str_arg(&v[1], "algorithm")?;
                Value::String(hash(&alg, data.as_bytes()).ok_or_else(|| {
                    self.fail(format!(
                        "unknown algorithm '{alg}' (MD5, SHA-1, SHA-256, SHA-384, SHA-512)"
                    ))
                })?)
            }
            JsonMerge => {
                if v[2] != Value::Bool(false) {
                    return Err(self.fail("only shallow merges (false) are supported"));
                }
                v.pop();
                let b = v.pop().expect("two objects");
                let a = v.pop().expect("two objects");
                match (a, b) {
                    (Value::Object(mut a), Value::Object(b)) => {
                        a.extend(b);
                        Value::Object(a)
                    }
                    _ => return Err(self.fail("both arguments must be objects")),
                }
            }
            MathRandom => {
                let (s, e) = (rounded(&v[0], "start")?, rounded(&v[1], "end")?);
                if e <= s {
                    return Err(self.fail("end must be greater than start"));
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
                Value::from(
                    a.checked_add(b)
                        .ok_or_else(|| self.fail("the sum overflows"))?,
                )
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

fn split_holes(s: &str) -> Vec<Piece> {
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

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.s[self.i..].starts_with([' ', '\t', '\n']) {
            self.i += 1;
        }
    }

    fn err(&self, msg: &str) -> String {
        format!("'{}': {msg} at position {}", self.s, self.i)
    }

    fn call(&mut self) -> Result<Intrinsic, String> {
        let start = self.i;
        let open = self.s[self.i..]
            .find('(')
            .ok_or_else(|| self.err("expected '('"))?;
        let name = self.s[self.i..self.i + open].trim();
        let (func, min, max) = Func::from_name(name)
            .ok_or_else(|| format!("'{}': unknown intrinsic function '{name}'", self.s))?;
        self.i += open + 1;
        let mut args = Vec::new();
        let mut format = None;
        self.ws();
        if self.s[self.i..].starts_with(')') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                let (arg, pieces) = self.arg()?;
                if func == Func::Format && args.is_empty() {
                    format = pieces;
                }
                args.push(arg);
                self.ws();
                match self.s[self.i..].chars().next() {
                    Some(',') => self.i += 1,
                    Some(')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.err("expected ',' or ')'")),
                }
            }
        }
        if args.len() < min || args.len() > max {
            let want = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(format!(
                "'{}': {name} takes {want} arguments, {} given",
                self.s,
                args.len()
            ));
        }
        if func == Func::Format {
            if let (Some(p), Some(Arg::Lit(_))) = (&format, args.first()) {
                let holes = p.iter().filter(|x| **x == Piece::Hole).count();
                if holes != args.len() - 1 {
                    return Err(format!(
                        "'{}': the template has {holes} placeholders but {} arguments follow it",
                        self.s,
                        args.len() - 1
                    ));
                }
            } else if !matches!(args.first(), Some(Arg::Path(_) | Arg::Call(_))) {
                return Err(format!("'{}': the template must be a string", self.s));
            }
        }
        Ok(Intrinsic {
            src: self.s[start..self.i].into(),
            func,
            args,
            format,
        })
    }

    fn arg(&mut self) -> Result<(Arg, Option<Vec<Piece>>), String> {
        let rest = &self.s[self.i..];
        if rest.starts_with('\'') {
            return self.string();
        }
        if rest.starts_with("States.") {
            return Ok((Arg::Call(Box::new(self.call()?)), None));
        }
        if rest.starts_with('$') {
            // A path ends at the first ',' or ')' outside brackets and quotes.
            let b = rest.as_bytes();
            let (mut depth, mut quote, mut j) = (0i32, None::<u8>, 0);
            while j < b.len() {
                let c = b[j];
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None => match c {
                        b'\'' | b'"' => quote = Some(c),
                        b'[' => depth += 1,
                        b']' => depth -= 1,
                        b',' | b')' if depth == 0 => break,
                        _ => {}
                    },
                }
                j += 1;
            }
            let p = Path::parse(rest[..j].trim())?;
            self.i += j;
            return Ok((Arg::Path(p), None));
        }
        let end = rest
            .find([',', ')'])
            .ok_or_else(|| self.err("unterminated argument"))?;
        let tok = rest[..end].trim();
        let v = match tok {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => {
                let n: Number = serde_json::from_str(tok)
                    .map_err(|_| self.err(&format!("bad argument '{tok}'")))?;
                Value::Number(n)
            }
        };
        self.i += end;
        Ok((Arg::Lit(v), None))
    }

    fn string(&mut self) -> Result<(Arg, Option<Vec<Piece>>), String> {
        self.i += 1;
        let mut pieces = Vec::new();
        let mut cur = String::new();
        let mut value = String::new();
        let mut chars = self.s[self.i..].char_indices();
        loop {
            let Some((k, c)) = chars.next() else {
                return Err(self.err("unterminated string"));
            };
            match c {
                '\\' => {
                    let Some((_, e)) = chars.next() else {
                        return Err(self.err("dangling '\\'"));
                    };
                    cur.push(e);
                    value.push(e);
                }
                '\'' => {
                    self.i += k + 1;
                    break;
                }
                '{' if self.s[self.i + k..].starts_with("{}") => {
                    chars.next();
                    if !cur.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut cur)));
                    }
                    pieces.push(Piece::Hole);
                    value.push_str("{}");
                }
                _ => {
                    cur.push(c);
                    value.push(c);
                }
            }
        }
        if !cur.is_empty() {
            pieces.push(Piece::Text(cur));
        }
        Ok((Arg::Lit(Value::String(value)), Some(pieces)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(src: &str, input: Value) -> Result<Value, Failure> {
        Intrinsic::parse(src)
            .unwrap()
            .eval(&input, &json!({"Execution": {"Name": "exec-1"}}))
    }

    #[test]
    fn format_with_escapes_and_types() {
        assert_eq!(
            run(
                "States.Format('Hello, {}! n={} b={} z={}', $.name, $.n, true, null)",
                json!({"name": "Ann", "n": 3})
            )
            .unwrap(),
            json!("Hello, Ann! n=3 b=true z=null")
        );
        assert_eq!(
            run(r"States.Format('it\'s \{\} {}', 'x')", json!({})).unwrap(),
            json!("it's {} x")
        );
        assert_eq!(
            run("States.Format('{}', $$.Execution.Name)", json!({})).unwrap(),
            json!("exec-1")
        );
        assert!(Intrinsic::parse("States.Format('{} {}', 'x')").is_err());
        assert!(run("States.Format('{}', $.o)", json!({"o": {}})).is_err());
    }

    #[test]
    fn json_round_trip() {
        assert_eq!(
            run("States.StringToJson($.s)", json!({"s": "{\"a\":[1,2]}"})).unwrap(),
            json!({"a": [1, 2]})
        );
        assert_eq!(
            run("States.JsonToString($.o)", json!({"o": {"a": 1}})).unwrap(),
            json!("{\"a\":1}")
        );
        assert!(run("States.StringToJson($.s)", json!({"s": "{"})).is_err());
    }

    #[test]
    fn arrays() {
        assert_eq!(
            run(
                "States.Array(1, 'two', $.x, States.Array())",
                json!({"x": [3]})
            )
            .unwrap(),
            json!([1, "two", [3], []])
        );
        assert_eq!(
            run("States.ArrayGetItem($.a, 1)", json!({"a": [5, 6, 7]})).unwrap(),
            json!(6)
        );
        assert!(run("States.ArrayGetItem($.a, 3)", json!({"a": [5]})).is_err());
        assert_eq!(
            run("States.ArrayLength($.a)", json!({"a": [5, 6]})).unwrap(),
            json!(2)
        );
        assert_eq!(
            run("States.ArrayContains($.a, 2)", json!({"a": [1, 2.0]})).unwrap(),
            json!(true)
        );
        assert_eq!(
            run("States.ArrayRange(1, 9, 3)", json!({})).unwrap(),
            json!([1, 4, 7])
        );
        assert_eq!(
            run("States.ArrayRange(3, 1, -1)", json!({})).unwrap(),
            json!([3, 2, 1])
        );
        assert!(run("States.ArrayRange(0, 5000, 1)", json!({})).is_err());
        assert_eq!(
            run("States.ArrayUnique($.a)", json!({"a": [1, 2, 1, "a", "a"]})).unwrap(),
            json!([1, 2, "a"])
        );
        assert_eq!(
            run("States.ArrayPartition($.a, 2)", json!({"a": [1, 2, 3]})).unwrap(),
            json!([[1, 2], [3]])
        );
    }

    #[test]
    fn math_and_uuid() {
        assert_eq!(
            run("States.MathAdd($.a, -3)", json!({"a": 10})).unwrap(),
            json!(7)
        );
        assert!(run("States.MathAdd($.a, 1)", json!({"a": "x"})).is_err());
        assert_eq!(
            run("States.MathAdd(1.6, 2.2)", json!({})).unwrap(),
            json!(4)
        );
        let r = run("States.MathRandom(5, 7)", json!({}))
            .unwrap()
            .as_i64()
            .unwrap();
        assert!((5..7).contains(&r));
        let a = run("States.MathRandom(0, 1000, 42)", json!({})).unwrap();
        assert_eq!(a, run("States.MathRandom(0, 1000, 42)", json!({})).unwrap());
        let u = run("States.UUID()", json!({})).unwrap();
        assert_eq!(u.as_str().unwrap().len(), 36);
        assert_ne!(u, run("States.UUID()", json!({})).unwrap());
    }

    #[test]
    fn hashes_and_base64() {
        let h = |alg: &str| run(&format!("States.Hash('abc', '{alg}')"), json!({})).unwrap();
        assert_eq!(h("MD5"), json!("900150983cd24fb0d6963f7d28e17f72"));
        assert_eq!(
            h("SHA-1"),
            json!("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(
            h("SHA-256"),
            json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(h("SHA-384").as_str().unwrap().len(), 96);
        assert_eq!(h("SHA-512").as_str().unwrap().len(), 128);
        assert!(run("States.Hash('abc', 'CRC')", json!({})).is_err());
        assert_eq!(
            run("States.Base64Encode('hi there')", json!({})).unwrap(),
            json!("aGkgdGhlcmU=")
        );
        assert_eq!(
            run(
                "States.Base64Decode(States.Base64Encode($.s))",
                json!({"s": "é"})
            )
            .unwrap(),
            json!("é")
        );
    }

    #[test]
    fn split_and_merge() {
        assert_eq!(
            run("States.StringSplit($.s, ',;')", json!({"s": "a,b;c"})).unwrap(),
            json!(["a", "b", "c"])
        );
        assert_eq!(
            run(
                "States.JsonMerge($.a, $.b, false)",
                json!({"a": {"x": 1, "y": 1}, "b": {"y": 2}})
            )
            .unwrap(),
            json!({"x": 1, "y": 2})
        );
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "States.Nope(1)",
            "States.ArrayLength()",
            "States.UUID(1)",
            "States.Format('x'",
            "States.Array(1) junk",
            "States.Array(abc)",
            "States.Array('unterminated)",
        ] {
            assert!(Intrinsic::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn missing_path_argument_fails() {
        let e = run("States.ArrayLength($.nope)", json!({})).unwrap_err();
        assert_eq!(e.error, "States.Runtime");
        assert!(e.cause.contains("$.nope"), "{}", e.cause);
    }
}
