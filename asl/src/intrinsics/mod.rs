//! Intrinsic functions (`States.Format('{} x', $.a)` and friends), parsed at load time.
//!
//! Arguments are string literals in single quotes (`\'`, `\{`, `\}` and `\\` escape),
//! numbers, `true`/`false`/`null`, JSONPaths (`$.a`, `$$.Execution.Id`) and nested calls.

mod call;
mod func;
mod parse;
#[cfg(test)]
mod tests;

pub use call::Intrinsic;
pub(crate) use func::hash;
