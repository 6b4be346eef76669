//! JSONPath as the States Language uses it: `$` (the state's input), `$$` (the context
//! object) or `$name` (a variable), then `.name`, `['name']`, `[n]` (negative counts from the end), `[*]`, `.*`,
//! `[start:end:step]`, unions `[0,2]` / `['a','b']` and filters `[?(@.n > 3)]` / `[?(@.tag)]`.
//! Paths are parsed once, at load time.
//!
//! A path with only names and indexes is *definite* and selects at most one node, returned
//! by reference. Wildcards, slices, unions and filters make it indefinite: it selects a list,
//! returned as a new array (an empty selection counts as not found).

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Input,
    Context,
    /// `$name`: the value of a workflow variable.
    Variable,
}

/// Where variables are looked up (the scopes of an execution).
pub trait VarSource: Sync {
    fn var(&self, name: &str) -> Option<&Value>;
}

/// No variables at all.
pub struct NoVars;

impl VarSource for NoVars {
    fn var(&self, _: &str) -> Option<&Value> {
        None
    }
}

/// What a path may read besides the state's input: the context object and the variables.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub context: &'a Value,
    pub vars: &'a dyn VarSource,
}

impl<'a> Env<'a> {
    /// The context object and no variables.
    pub fn context_only(context: &'a Value) -> Env<'a> {
        Env {
            context,
            vars: &NoVars,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Field(Box<str>),
    Index(i64),
    Wildcard,
    Slice(Option<i64>, Option<i64>, i64),
    Union(Vec<Seg>),
    Filter(Box<Filter>),
}

/// `[?(@.a.b)]` (exists) or `[?(@.a.b OP literal)]`, applied to each element of an array
/// (or each value of an object).
#[derive(Debug, Clone, PartialEq)]
struct Filter {
    at: Vec<Seg>,
    test: Option<(FilterOp, Value)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Filter {
    fn parse(src: &str, body: &str) -> Result<Filter, String> {
        let body = body.trim();
        let ops = [
            ("==", FilterOp::Eq),
            ("!=", FilterOp::Ne),
            ("<=", FilterOp::Le),
            (">=", FilterOp::Ge),
            ("<", FilterOp::Lt),
            (">", FilterOp::Gt),
        ];
        let found = ops
            .iter()
            .filter_map(|(t, op)| body.find(t).map(|i| (i, *t, *op)))
            .min_by_key(|(i, t, _)| (*i, std::cmp::Reverse(t.len())));
        let (lhs, test) = match found {
            Some((i, t, op)) => {
                let lit = body[i + t.len()..].trim();
                let lit = if let Some(q) = lit.strip_prefix('\'').and_then(|l| l.strip_suffix('\''))
                {
                    Value::String(q.to_owned())
                } else {
                    serde_json::from_str(lit)
                        .map_err(|_| format!("'{src}': bad literal '{lit}' in a filter"))?
                };
                (body[..i].trim(), Some((op, lit)))
            }
            None => (body, None),
        };
        let rel = lhs
            .strip_prefix('@')
            .ok_or_else(|| format!("'{src}': a filter must test '@'"))?;
        let inner =
            Path::parse(&format!("${rel}")).map_err(|e| format!("'{src}': in a filter: {e}"))?;
        if !inner.definite {
            return Err(format!("'{src}': a filter may only use names and indexes"));
        }
        Ok(Filter {
            at: inner.segs,
            test,
        })
    }

    fn keeps(&self, v: &Value) -> bool {
        let probe = Path {
            src: "".into(),
            root: Root::Input,
            var: "".into(),
            segs: self.at.clone(),
            definite: true,
        };
        let Some(x) = probe.select_from(v) else {
            // A missing field differs from every literal, as in JavaScript JSONPath.
            return matches!(self.test, Some((FilterOp::Ne, _)));
        };
        let Some((op, lit)) = &self.test else {
            return true;
        };
        let ord = match (&*x, lit) {
            (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (a, b) if a == b => Some(std::cmp::Ordering::Equal),
            _ => None,
        };
        use std::cmp::Ordering::*;
        match (op, ord) {
            (FilterOp::Ne, o) => o != Some(Equal),
            (_, None) => false,
            (FilterOp::Eq, Some(o)) => o == Equal,
            (FilterOp::Lt, Some(o)) => o == Less,
            (FilterOp::Le, Some(o)) => o != Greater,
            (FilterOp::Gt, Some(o)) => o == Greater,
            (FilterOp::Ge, Some(o)) => o != Less,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    src: Box<str>,
    root: Root,
    /// The variable's name when the root is [`Root::Variable`].
    var: Box<str>,
    segs: Vec<Seg>,
    definite: bool,
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.src)
    }
}

impl Path {
    /// Parses a JSONPath.
    pub fn parse(src: &str) -> Result<Path, String> {
        let src = src.trim();
        let b = src.as_bytes();
        let (root, mut i) = if src.starts_with("$$") {
            (Root::Context, 2)
        } else if src.starts_with('$') {
            (Root::Input, 1)
        } else {
            return Err(format!("'{src}' is not a JSONPath: it must start with '$'"));
        };
        let mut var: Box<str> = "".into();
        if root == Root::Input && src[1..].starts_with(is_var_start) {
            let end = src[1..].find(['.', '[']).map_or(src.len(), |j| j + 1);
            var = src[1..end].into();
            if !var.chars().all(is_var_char) {
                return Err(format!("'{src}': '{var}' is not a variable name"));
            }
            i = end;
        }
        let root = if var.is_empty() { root } else { Root::Variable };
        let mut segs = Vec::new();
        while i < b.len() {
            match b[i] {
                b'.' => {
                    i += 1;
                    if i < b.len() && b[i] == b'.' {
                        return Err(format!("'{src}': recursive descent '..' is not supported"));
                    }
                    if i < b.len() && b[i] == b'*' {
                        segs.push(Seg::Wildcard);
                        i += 1;
                        continue;
                    }
                    let start = i;
                    while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                        i += 1;
                    }
                    if start == i {
                        return Err(format!("'{src}': empty name after '.'"));
                    }
                    segs.push(Seg::Field(src[start..i].into()));
                }
                b'[' => {
                    let (seg, next) = parse_bracket(src, i + 1)?;
                    segs.push(seg);
                    i = next;
                }
                _ => {
                    // By character: the byte at `i` may start a multi-byte one.
                    let unexpected = src.get(i..).and_then(|r| r.chars().next()).unwrap_or('?');
                    return Err(format!("'{src}': unexpected '{unexpected}'"));
                }
            }
        }
        let definite = segs
            .iter()
            .all(|s| matches!(s, Seg::Field(_) | Seg::Index(_)));
        Ok(Path {
            src: src.into(),
            root,
            var,
            segs,
            definite,
        })
    }

    /// Parses a reference path: definite, rooted at `$` (used for ResultPath).
    pub fn parse_reference(src: &str) -> Result<Path, String> {
        let p = Path::parse(src)?;
        if p.root == Root::Variable {
            return Err(format!("'{src}' must not refer to a variable"));
        }
        if p.root != Root::Input {
            return Err(format!("'{src}' must not refer to the context object"));
        }
        if !p.definite {
            return Err(format!(
                "'{src}' is not a reference path: only names and indexes are allowed"
            ));
        }
        Ok(p)
    }

    pub fn root(&self) -> Root {
        self.root
    }

    /// The variable this path reads, for a [`Root::Variable`] path.
    pub fn variable(&self) -> Option<&str> {
        (self.root == Root::Variable).then_some(&*self.var)
    }

    pub fn is_definite(&self) -> bool {
        self.definite
    }

    pub fn is_root(&self) -> bool {
        self.segs.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.src
    }

    /// Selects from `input` or `ctx` according to the root (no variables). `None` when a
    /// definite path finds nothing.
    pub fn select<'a>(&self, input: &'a Value, ctx: &'a Value) -> Option<Cow<'a, Value>> {
        self.select_in(input, &Env::context_only(ctx))
    }

    /// Selects from `input`, the context object or a variable according to the root.
    pub fn select_in<'a>(&self, input: &'a Value, env: &Env<'a>) -> Option<Cow<'a, Value>> {
        let base = match self.root {
            Root::Input => input,
            Root::Context => env.context,
            Root::Variable => env.vars.var(&self.var)?,
        };
        self.select_from(base)
    }

    pub fn select_from<'a>(&self, base: &'a Value) -> Option<Cow<'a, Value>> {
        if self.definite {
            let mut cur = base;
            for s in &self.segs {
                cur = match s {
                    Seg::Field(k) => field(cur.as_object()?, k)?,
                    Seg::Index(n) => {
                        let a = cur.as_array()?;
                        a.get(resolve_index(*n, a.len())?)?
                    }
                    _ => unreachable!("definite paths hold only names and indexes"),
                };
            }
            return Some(Cow::Borrowed(cur));
        }
        let mut cur: Vec<&Value> = vec![base];
        for s in &self.segs {
            let mut next = Vec::with_capacity(cur.len());
            for v in cur {
                step(s, v, &mut next);
            }
            cur = next;
        }
        // An indefinite path that selects nothing is "not found", as for a definite one.
        if cur.is_empty() {
            return None;
        }
        Some(Cow::Owned(Value::Array(cur.into_iter().cloned().collect())))
    }

    /// Like [`Path::select`] on an owned document, moving the selected node out instead of
    /// cloning it (definite `$` paths; others fall back to a copy).
    pub fn take(&self, input: Value, ctx: &Value) -> Option<Value> {
        self.take_in(input, &Env::context_only(ctx))
    }

    /// [`Path::take`] with variables.
    pub fn take_in(&self, input: Value, env: &Env<'_>) -> Option<Value> {
        if !self.definite || self.root != Root::Input {
            return self.select_in(&input, env).map(Cow::into_owned);
        }
        let mut cur = input;
        for s in &self.segs {
            cur = match (s, cur) {
                (Seg::Field(k), Value::Object(mut m)) => m.remove(&**k)?,
                (Seg::Index(n), Value::Array(mut a)) => {
                    let i = resolve_index(*n, a.len()).filter(|&i| i < a.len())?;
                    a.swap_remove(i)
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Whether this path may read the context node at `chain` (e.g. `["Execution", "Input"]`):
    /// true when it reads an ancestor of it, the node itself, something inside it, or when a
    /// wildcard makes it impossible to say.
    pub fn may_read_context(&self, chain: &[&str]) -> bool {
        if self.root != Root::Context {
            return false;
        }
        for (i, name) in chain.iter().enumerate() {
            match self.segs.get(i) {
                None => return true,
                Some(Seg::Field(k)) if &**k != *name => return false,
                Some(Seg::Field(_)) => {}
                Some(_) => return true,
            }
        }
        true
    }

    /// Writes `value` at this reference path inside `doc`, creating missing objects on the
    /// way, and returns the new document.
    pub fn set(&self, doc: Value, value: Value) -> Result<Value, String> {
        if self.segs.is_empty() {
            return Ok(value);
        }
        let mut doc = doc;
        let mut cur = &mut doc;
        let last = self.segs.len() - 1;
        for (i, s) in self.segs.iter().enumerate() {
            match s {
                Seg::Field(k) => {
                    let obj = match cur {
                        Value::Object(m) => m,
                        other => {
                            return Err(format!(
                                "Unable to apply ResultPath '{}': the node at '{}' is {}, not an object",
                                self.src,
                                k,
                                type_name(other)
                            ))
                        }
                    };
                    if i == last {
                        obj.insert(k.to_string(), value);
                        return Ok(doc);
                    }
                    cur = obj
                        .entry(k.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if cur.is_null() {
                        *cur = Value::Object(Map::new());
                    }
                }
                Seg::Index(n) => {
                    let arr = match cur {
                        Value::Array(a) => a,
                        other => {
                            return Err(format!(
                                "Unable to apply ResultPath '{}': the node is {}, not an array",
                                self.src,
                                type_name(other)
                            ))
                        }
                    };
                    let len = arr.len();
                    let idx = resolve_index(*n, len).filter(|&x| x < len).ok_or_else(|| {
                        format!(
                            "Unable to apply ResultPath '{}': index {n} is out of bounds",
                            self.src
                        )
                    })?;
                    if i == last {
                        arr[idx] = value;
                        return Ok(doc);
                    }
                    cur = &mut arr[idx];
                }
                _ => unreachable!("reference paths hold only names and indexes"),
            }
        }
        Ok(doc)
    }
}

/// A field of an object. A few keys are compared faster than one is hashed, and the objects
/// states pass along are mostly small.
#[inline]
fn field<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
    if m.len() <= 8 {
        m.iter().find(|(key, _)| key.as_str() == k).map(|(_, v)| v)
    } else {
        m.get(k)
    }
}

fn is_var_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_var_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn resolve_index(n: i64, len: usize) -> Option<usize> {
    if n >= 0 {
        Some(n as usize)
    } else {
        let k = len as i64 + n;
        (k >= 0).then_some(k as usize)
    }
}

fn step<'a>(s: &Seg, v: &'a Value, out: &mut Vec<&'a Value>) {
    match s {
        Seg::Field(k) => {
            if let Some(x) = v.as_object().and_then(|m| field(m, k)) {
                out.push(x);
            }
        }
        Seg::Index(n) => {
            if let Some(a) = v.as_array() {
                if let Some(x) = resolve_index(*n, a.len()).and_then(|i| a.get(i)) {
                    out.push(x);
                }
            }
        }
        Seg::Wildcard => match v {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(m) => out.extend(m.values()),
            _ => {}
        },
        Seg::Slice(start, end, stp) => {
            if let Some(a) = v.as_array() {
                let len = a.len() as i64;
                let norm = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                if *stp > 0 {
                    let mut i = start.map(norm).unwrap_or(0);
                    let e = end.map(norm).unwrap_or(len);
                    while i < e {
                        out.push(&a[i as usize]);
                        i += stp;
                    }
                } else {
                    let mut i = start.map(norm).unwrap_or(len - 1).min(len - 1);
                    let e = end.map(norm).unwrap_or(-1);
                    while i > e && i >= 0 {
                        out.push(&a[i as usize]);
                        i += stp;
                    }
                }
            }
        }
        Seg::Filter(f) => match v {
            Value::Array(a) => out.extend(a.iter().filter(|x| f.keeps(x))),
            Value::Object(m) => out.extend(m.values().filter(|x| f.keeps(x))),
            _ => {}
        },
        Seg::Union(parts) => {
            for p in parts {
                step(p, v, out);
            }
        }
    }
}

fn parse_bracket(src: &str, mut i: usize) -> Result<(Seg, usize), String> {
    let b = src.as_bytes();
    let mut parts = Vec::new();
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            return Err(format!("'{src}': unclosed '['"));
        }
        let part = match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                let mut s = String::new();
                i += 1;
                loop {
                    if i >= b.len() {
                        return Err(format!("'{src}': unclosed quote"));
                    }
                    if b[i] == b'\\' && i + 1 < b.len() {
                        s.push(b[i + 1] as char);
                        i += 2;
                        continue;
                    }
                    if b[i] == q {
                        i += 1;
                        break;
                    }
                    let ch = src[i..].chars().next().expect("in bounds");
                    s.push(ch);
                    i += ch.len_utf8();
                }
                Seg::Field(s.into())
            }
            b'*' => {
                i += 1;
                Seg::Wildcard
            }
            b'?' => {
                // `?(` ... `)]`: the expression runs to the last ')' before the closing ']'.
                let rest = &src[i + 1..];
                let body = rest
                    .strip_prefix('(')
                    .and_then(|r| r.find(")]").map(|end| &r[..end]))
                    .ok_or_else(|| format!("'{src}': a filter is written [?(...)]"))?;
                i += 1 + 1 + body.len() + 1;
                Seg::Filter(Box::new(Filter::parse(src, body)?))
            }
            b'(' => return Err(format!("'{src}': script expressions are not supported")),
            _ => {
                let start = i;
                while i < b.len() && !matches!(b[i], b',' | b']') {
                    i += 1;
                }
                let tok = src[start..i].trim();
                if tok.contains(':') {
                    let f: Vec<&str> = tok.split(':').collect();
                    if f.len() > 3 {
                        return Err(format!("'{src}': bad slice '{tok}'"));
                    }
                    let num = |s: &str| -> Result<Option<i64>, String> {
                        let s = s.trim();
                        if s.is_empty() {
                            Ok(None)
                        } else {
                            s.parse()
                                .map(Some)
                                .map_err(|_| format!("'{src}': bad slice '{tok}'"))
                        }
                    };
                    let stp = if f.len() == 3 {
                        num(f[2])?.unwrap_or(1)
                    } else {
                        1
                    };
                    if stp == 0 {
                        return Err(format!("'{src}': slice step must not be 0"));
                    }
                    Seg::Slice(num(f[0])?, num(f[1])?, stp)
                } else {
                    Seg::Index(
                        tok.parse()
                            .map_err(|_| format!("'{src}': bad index '{tok}'"))?,
                    )
                }
            }
        };
        parts.push(part);
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b']') => {
                i += 1;
                break;
            }
            _ => return Err(format!("'{src}': expected ',' or ']'")),
        }
    }
    let seg = if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        Seg::Union(parts)
    };
    Ok((seg, i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(p: &str, v: &Value) -> Option<Value> {
        Path::parse(p)
            .unwrap()
            .select(v, &Value::Null)
            .map(|c| c.into_owned())
    }

    #[test]
    fn dot_and_bracket_names() {
        let v = json!({"a": {"b c": [1, {"d": 2}]}});
        assert_eq!(sel("$.a['b c'][1].d", &v), Some(json!(2)));
        assert_eq!(sel("$['a'][\"b c\"][0]", &v), Some(json!(1)));
        assert_eq!(sel("$", &v), Some(v.clone()));
        assert_eq!(sel("$.a.missing", &v), None);
        assert_eq!(sel("$.a['b c'][5]", &v), None);
    }

    #[test]
    fn negative_index_counts_from_end() {
        let v = json!([1, 2, 3]);
        assert_eq!(sel("$[-1]", &v), Some(json!(3)));
        assert_eq!(sel("$[-4]", &v), None);
    }

    #[test]
    fn wildcards_slices_unions() {
        let v = json!({"items": [{"n": 1}, {"n": 2}, {"n": 3}, {"x": 4}]});
        assert_eq!(sel("$.items[*].n", &v), Some(json!([1, 2, 3])));
        assert_eq!(sel("$.items[1:3].n", &v), Some(json!([2, 3])));
        assert_eq!(sel("$.items[::2].n", &v), Some(json!([1, 3])));
        assert_eq!(sel("$.items[-2:]", &v), Some(json!([{"n": 3}, {"x": 4}])));
        assert_eq!(sel("$.items[0,2].n", &v), Some(json!([1, 3])));
        assert_eq!(sel("$.items[0]['n','x']", &v), Some(json!([1])));
        assert_eq!(sel("$.*", &json!({"a": 1})), Some(json!([1])));
        assert_eq!(sel("$.items[*].zz", &v), None);
        assert!(!Path::parse("$.a[*]").unwrap().is_definite());
    }

    #[test]
    fn take_moves_the_selected_node() {
        let p = Path::parse("$.a[1].b").unwrap();
        let v = json!({"a": [0, {"b": {"c": 1}}], "z": 2});
        assert_eq!(p.take(v, &Value::Null), Some(json!({"c": 1})));
        assert_eq!(p.take(json!({"a": []}), &Value::Null), None);
        let p = Path::parse("$$.x").unwrap();
        assert_eq!(p.take(json!({}), &json!({"x": 3})), Some(json!(3)));
    }

    #[test]
    fn context_reads() {
        let chain = ["Execution", "Input"];
        let reads = |p: &str| Path::parse(p).unwrap().may_read_context(&chain);
        assert!(reads("$$"));
        assert!(reads("$$.Execution"));
        assert!(reads("$$.Execution.Input.a"));
        assert!(reads("$$.*"));
        assert!(!reads("$$.Execution.Id"));
        assert!(!reads("$$.State.Name"));
        assert!(!reads("$.Execution.Input"));
    }

    #[test]
    fn filters() {
        let v = json!({"items": [
            {"n": 1, "tag": "a"}, {"n": 5, "tag": "b"}, {"n": 9}, {"tag": "c"}, "scalar"
        ]});
        assert_eq!(sel("$.items[?(@.n > 3)].n", &v), Some(json!([5, 9])));
        assert_eq!(sel("$.items[?(@.n <= 5)].n", &v), Some(json!([1, 5])));
        assert_eq!(sel("$.items[?(@.tag == 'b')].n", &v), Some(json!([5])));
        assert_eq!(sel("$.items[?(@.tag != \"b\")].n", &v), Some(json!([1, 9])));
        assert_eq!(
            sel("$.items[?(@.tag)].tag", &v),
            Some(json!(["a", "b", "c"]))
        );
        assert_eq!(sel("$.items[?(@.n == 100)]", &v), None);
        assert_eq!(sel("$[?(@ > 1)]", &json!([1, 2, 3])), Some(json!([2, 3])));
    }

    #[test]
    fn context_root() {
        let p = Path::parse("$$.Execution.Id").unwrap();
        assert_eq!(p.root(), Root::Context);
        let ctx = json!({"Execution": {"Id": "x"}});
        assert_eq!(
            p.select(&Value::Null, &ctx).unwrap().into_owned(),
            json!("x")
        );
    }

    #[test]
    fn bad_paths_are_rejected() {
        for bad in [
            "a.b",
            "$.",
            "$[",
            "$['a'",
            "$[x]",
            "$..a",
            "$[?(a)]",
            "$[?(@.a == x)]",
            "$[(1)]",
            "$[1:2:0]",
            "$a-b",
            "$1a",
        ] {
            assert!(Path::parse(bad).is_err(), "{bad} should not parse");
        }
        assert!(Path::parse_reference("$.a[*]").is_err());
        assert!(Path::parse_reference("$$.Execution").is_err());
        assert!(Path::parse_reference("$x.a").is_err());
    }

    #[test]
    fn variable_paths_read_variables() {
        struct One(Value);
        impl VarSource for One {
            fn var(&self, name: &str) -> Option<&Value> {
                (name == "order").then_some(&self.0)
            }
        }
        let vars = One(json!({"items": [{"sku": "A"}, {"sku": "B"}]}));
        let env = Env {
            context: &Value::Null,
            vars: &vars,
        };
        let p = Path::parse("$order.items[1].sku").unwrap();
        assert_eq!(p.root(), Root::Variable);
        assert_eq!(p.variable(), Some("order"));
        assert_eq!(
            p.select_in(&json!({}), &env).unwrap().into_owned(),
            json!("B")
        );
        assert_eq!(
            Path::parse("$order")
                .unwrap()
                .select_in(&json!({}), &env)
                .unwrap()
                .into_owned(),
            vars.0
        );
        assert!(Path::parse("$other.x")
            .unwrap()
            .select_in(&json!({}), &env)
            .is_none());
        // Without variables a variable path finds nothing.
        assert!(p.select(&json!({}), &Value::Null).is_none());
    }

    #[test]
    fn set_creates_nested_objects() {
        let p = Path::parse_reference("$.a.b.c").unwrap();
        let out = p.set(json!({"x": 1}), json!(5)).unwrap();
        assert_eq!(out, json!({"x": 1, "a": {"b": {"c": 5}}}));
        let p = Path::parse_reference("$.x").unwrap();
        assert_eq!(p.set(json!({"x": 1}), json!(2)).unwrap(), json!({"x": 2}));
        let p = Path::parse_reference("$").unwrap();
        assert_eq!(p.set(json!({"x": 1}), json!(2)).unwrap(), json!(2));
        let p = Path::parse_reference("$.l[1]").unwrap();
        assert_eq!(
            p.set(json!({"l": [0, 0]}), json!(9)).unwrap(),
            json!({"l": [0, 9]})
        );
    }

    #[test]
    fn set_into_a_scalar_fails() {
        let p = Path::parse_reference("$.x.y").unwrap();
        assert!(p.set(json!({"x": "str"}), json!(1)).is_err());
        assert!(p.set(json!("str"), json!(1)).is_err());
        let p = Path::parse_reference("$.l[3]").unwrap();
        assert!(p.set(json!({"l": [1]}), json!(1)).is_err());
    }
}
