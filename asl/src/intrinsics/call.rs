//! A parsed intrinsic call: its arguments, and their evaluation.

use super::func::{apply, Func, Piece};
use crate::error::Failure;
use crate::path::{Env, Path, Root};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Arg {
    Lit(Value),
    Path(Path),
    Call(Box<Intrinsic>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Intrinsic {
    pub(super) src: Box<str>,
    pub(super) func: Func,
    pub(super) args: Vec<Arg>,
    /// The template of a `States.Format` whose first argument is a literal, split at its
    /// unescaped `{}` once at load time.
    pub(super) format: Option<Vec<Piece>>,
}

impl Intrinsic {
    /// Whether any argument, however nested, reads the context object.
    pub fn uses_context(&self) -> bool {
        self.args.iter().any(|a| match a {
            Arg::Path(p) => p.root() == Root::Context,
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
        self.eval_in(input, &Env::context_only(ctx))
    }

    /// Evaluates with the variables of `env` as well.
    pub fn eval_in(&self, input: &Value, env: &Env<'_>) -> Result<Value, Failure> {
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

    fn apply(&self, v: Vec<Value>) -> Result<Value, Failure> {
        apply(self.func, self.format.as_deref(), v, &|m| self.fail(m))
    }
}
