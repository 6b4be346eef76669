//! JSONPath as the States Language uses it: `$` (the state's input), `$$` (the context
//! object) or `$name` (a variable), then `.name`, `['name']`, `[n]` (negative counts from the end), `[*]`, `.*`,
//! `[start:end:step]`, unions `[0,2]` / `['a','b']` and filters `[?(@.n > 3)]` / `[?(@.tag)]`.
//! Paths are parsed once, at load time.
//!
//! A path with only names and indexes is *definite* and selects at most one node, returned
//! by reference. Wildcards, slices, unions and filters make it indefinite: it selects a list,
//! returned as a new array (an empty selection counts as not found).

mod parse;
mod seg;
#[cfg(test)]
mod tests;

pub(crate) use parse::Root;

use seg::{resolve_index, walk, Seg};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// Where variables are looked up (the scopes of an execution).
pub trait VarSource: Sync {
    fn var(&self, name: &str) -> Option<&Value>;
}

/// No variables at all.
pub(crate) struct NoVars;

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
        let (root, var, segs) = parse::parse(src)?;
        Ok(Path {
            src: src.into(),
            root,
            var,
            definite: seg::is_definite(&segs),
            segs,
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

    /// The path as AWS writes it in a cause: every name in brackets, `$['a']['b'][0]`.
    pub(crate) fn bracketed(&self) -> String {
        let mut out = match self.root {
            Root::Input => "$".to_owned(),
            Root::Context => "$$".to_owned(),
            Root::Variable => format!("${}", self.var),
        };
        for s in &self.segs {
            match s {
                Seg::Field(k) => out.push_str(&format!("['{k}']")),
                Seg::Index(n) => out.push_str(&format!("[{n}]")),
                // Only definite paths reach a cause; others keep their own text.
                _ => return self.src.to_string(),
            }
        }
        out
    }

    /// For a definite `$` path that finds nothing in `doc` before its last step, the path up
    /// to the first missing field, in brackets (`$['no']`); `None` otherwise.
    pub(crate) fn missing_prefix(&self, doc: &Value) -> Option<String> {
        if self.root != Root::Input || !self.definite {
            return None;
        }
        let mut cur = doc;
        let mut out = "$".to_owned();
        for (i, s) in self.segs.iter().enumerate() {
            let next = match s {
                Seg::Field(k) => {
                    out.push_str(&format!("['{k}']"));
                    cur.as_object().and_then(|m| m.get(&**k))
                }
                Seg::Index(n) => {
                    out.push_str(&format!("[{n}]"));
                    cur.as_array()
                        .and_then(|a| resolve_index(*n, a.len()).and_then(|j| a.get(j)))
                }
                _ => return None,
            };
            match next {
                Some(x) => cur = x,
                None if i + 1 < self.segs.len() => return Some(out),
                None => return None,
            }
        }
        None
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

    /// Selects from `base` whatever the root.
    pub fn select_from<'a>(&self, base: &'a Value) -> Option<Cow<'a, Value>> {
        walk(&self.segs, self.definite, base)
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

/// How an error names the JSON type of a value ("an array").
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
