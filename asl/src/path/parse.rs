//! Reading a path's text: its root, a variable's name, and its steps.

use super::seg::{is_definite, Filter, FilterOp, Filters, Operand, Seg};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Input,
    Context,
    /// `$name`: the value of a workflow variable.
    Variable,
}

/// Parses a JSONPath into its root, the variable's name (empty unless the root is a variable)
/// and its steps.
pub(super) fn parse(src: &str) -> Result<(Root, Box<str>, Vec<Seg>), String> {
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
                // Jayway reads `.[0]` and `.['a']` as `[0]` and `['a']`, and AWS uses Jayway.
                if i < b.len() && b[i] == b'[' {
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
    Ok((root, var, segs))
}

impl Filters {
    fn parse(src: &str, body: &str) -> Result<Filters, String> {
        let any = split_outside_quotes(body, "||")
            .into_iter()
            .map(|group| {
                split_outside_quotes(group, "&&")
                    .into_iter()
                    .map(|test| Filter::parse(src, test))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Filters { any })
    }
}

/// `text` split at each `sep` that is not inside a single-quoted literal.
fn split_outside_quotes<'a>(text: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = vec![];
    let (mut start, mut quoted, mut i) = (0, false, 0);
    let b = text.as_bytes();
    while i < b.len() {
        if b[i] == b'\'' {
            quoted = !quoted;
        } else if !quoted && text[i..].starts_with(sep) {
            parts.push(&text[start..i]);
            i += sep.len();
            start = i;
            continue;
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
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
                    Operand::Lit(Value::String(q.to_owned()))
                } else if lit.starts_with('$') && !lit.starts_with("$$") {
                    // `$` inside a filter is the document the path runs on, as in Jayway.
                    let (root, _, at) =
                        parse(lit).map_err(|e| format!("'{src}': in a filter: {e}"))?;
                    if root != Root::Input || !is_definite(&at) {
                        return Err(format!(
                            "'{src}': a filter may compare with '$' and names and indexes only"
                        ));
                    }
                    Operand::Root(at)
                } else {
                    Operand::Lit(
                        serde_json::from_str(lit)
                            .map_err(|_| format!("'{src}': bad literal '{lit}' in a filter"))?,
                    )
                };
                (body[..i].trim(), Some((op, lit)))
            }
            None => (body, None),
        };
        let rel = lhs
            .strip_prefix('@')
            .ok_or_else(|| format!("'{src}': a filter must test '@'"))?;
        let (_, _, at) =
            parse(&format!("${rel}")).map_err(|e| format!("'{src}': in a filter: {e}"))?;
        if !is_definite(&at) {
            return Err(format!("'{src}': a filter may only use names and indexes"));
        }
        Ok(Filter { at, test })
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
                    // Only the enclosing quote is escaped; any other backslash is the key's
                    // own (Jayway reads `['a\\"b']` as the key `a\\"b`).
                    if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] == q {
                        s.push(q as char);
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
                Seg::Filter(Box::new(Filters::parse(src, body)?))
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

fn is_var_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_var_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
