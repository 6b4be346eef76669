//! Reading an intrinsic call's text, once at load.

use super::call::{Arg, Intrinsic};
use super::func::{Func, Piece};
use crate::path::Path;
use serde_json::{Number, Value};

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
                    // AWS refuses any other escape in an intrinsic's string.
                    if !matches!(e, '\'' | '{' | '}' | '\\') {
                        self.i += k;
                        return Err(self.err(&format!(
                            "'\\{e}' is not an escape here (only \\', \\{{, \\}} and \\\\ are)"
                        )));
                    }
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
