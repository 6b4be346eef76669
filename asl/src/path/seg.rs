//! A parsed path's steps, and how each one selects from a document.

use serde_json::{Map, Value};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seg {
    Field(Box<str>),
    Index(i64),
    Wildcard,
    Slice(Option<i64>, Option<i64>, i64),
    Union(Vec<Seg>),
    Filter(Box<Filters>),
}

/// A filter expression: it keeps a value when all the tests of any group pass (`&&` joins the
/// tests of a group, `||` the groups, `&&` binding tighter, as in Jayway).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Filters {
    pub(super) any: Vec<Vec<Filter>>,
}

impl Filters {
    fn keeps(&self, v: &Value, root: &Value) -> bool {
        self.any
            .iter()
            .any(|all| all.iter().all(|f| f.keeps(v, root)))
    }
}

/// `[?(@.a.b)]` (exists) or `[?(@.a.b OP literal)]`, applied to each element of an array
/// (or each value of an object).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Filter {
    pub(super) at: Vec<Seg>,
    pub(super) test: Option<(FilterOp, Operand)>,
}

/// What a filter compares with: a literal, or a node of the document the path runs on.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Operand {
    Lit(Value),
    Root(Vec<Seg>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Whether a path of these steps selects at most one node (names and indexes only).
pub(super) fn is_definite(segs: &[Seg]) -> bool {
    segs.iter()
        .all(|s| matches!(s, Seg::Field(_) | Seg::Index(_)))
}

/// Selects `segs` from `base`: the node itself for a definite path, else a new array of
/// every match (`[]` for none). `None` when a definite path finds nothing.
pub(super) fn walk<'a>(segs: &[Seg], definite: bool, base: &'a Value) -> Option<Cow<'a, Value>> {
    if definite {
        let mut cur = base;
        for s in segs {
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
    for s in segs {
        let mut next = Vec::with_capacity(cur.len());
        for v in cur {
            step(s, v, base, &mut next);
        }
        cur = next;
    }
    // An indefinite path that selects nothing gives `[]`, as Jayway (and so AWS) gives it.
    Some(Cow::Owned(Value::Array(cur.into_iter().cloned().collect())))
}

impl Filter {
    /// Whether `v` passes; `root` is the document the whole path runs on.
    fn keeps(&self, v: &Value, root: &Value) -> bool {
        let Some(x) = walk(&self.at, true, v) else {
            // A missing field differs from every literal, as in JavaScript JSONPath.
            return matches!(self.test, Some((FilterOp::Ne, _)));
        };
        let Some((op, operand)) = &self.test else {
            return true;
        };
        let lit = match operand {
            Operand::Lit(v) => Cow::Borrowed(v),
            Operand::Root(at) => match walk(at, true, root) {
                Some(v) => v,
                None => return *op == FilterOp::Ne,
            },
        };
        let ord = match (&*x, &*lit) {
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

pub(super) fn resolve_index(n: i64, len: usize) -> Option<usize> {
    if n >= 0 {
        Some(n as usize)
    } else {
        let k = len as i64 + n;
        (k >= 0).then_some(k as usize)
    }
}

fn step<'a>(s: &Seg, v: &'a Value, root: &Value, out: &mut Vec<&'a Value>) {
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
            Value::Array(a) => out.extend(a.iter().filter(|x| f.keeps(x, root))),
            Value::Object(m) => out.extend(m.values().filter(|x| f.keeps(x, root))),
            _ => {}
        },
        Seg::Union(parts) => {
            for p in parts {
                step(p, v, root, out);
            }
        }
    }
}
