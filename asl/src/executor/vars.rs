//! Workflow variables: one scope per state set (the top level, each Parallel branch, each
//! Map iteration), reading through to the scopes around it; `Assign` evaluated against the
//! values from before the state and applied after it; Step Functions' size limits.

use crate::definition::Assign;
use crate::error::{names, Failure};
use crate::jsonata::JValue;
use crate::path::{Env, VarSource};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest value one variable may hold, serialized.
pub(super) const MAX_VARIABLE: usize = 256 * 1024;
/// The most one `Assign` may assign, serialized.
pub(super) const MAX_ASSIGN: usize = 256 * 1024;
/// The most all the variables of an execution may hold at once.
pub(super) const MAX_TOTAL: usize = 10 * 1024 * 1024;

/// Assignments evaluated by a state, applied when it ends: (name, value, serialized size).
pub(super) type Assigned = Vec<(String, Value, usize)>;

/// The variables of one scope.
pub(super) struct Vars<'p> {
    own: HashMap<String, (Value, usize)>,
    parent: Option<&'p Vars<'p>>,
    bytes: usize,
}

impl VarSource for Vars<'_> {
    fn var(&self, name: &str) -> Option<&Value> {
        match self.own.get(name) {
            Some((v, _)) => Some(v),
            None => self.parent.and_then(|p| p.var(name)),
        }
    }
}

impl<'p> Vars<'p> {
    pub(super) fn new(parent: Option<&'p Vars<'p>>) -> Self {
        Vars {
            own: HashMap::new(),
            parent,
            bytes: 0,
        }
    }

    /// Applies a state's assignments; `total` counts the bytes held by every live scope of
    /// the execution.
    pub(super) fn apply(
        &mut self,
        assigned: Assigned,
        total: &AtomicUsize,
        state: &str,
    ) -> Result<(), Failure> {
        for (name, value, size) in assigned {
            let old = self.own.insert(name, (value, size)).map_or(0, |(_, s)| s);
            self.bytes = self.bytes + size - old;
            total.fetch_add(size, Ordering::Relaxed);
            total.fetch_sub(old, Ordering::Relaxed);
            let now = total.load(Ordering::Relaxed);
            if now > MAX_TOTAL {
                return Err(Failure::new(
                    names::DATA_LIMIT_EXCEEDED,
                    format!(
                        "State '{state}' assigned variables that take the execution's variables \
                         past {MAX_TOTAL} bytes in all"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Gives the scope's bytes back when it ends.
    pub(super) fn release(&self, total: &AtomicUsize) {
        total.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

fn checked(state: &str, field: &str, pairs: Vec<(String, Value)>) -> Result<Assigned, Failure> {
    let mut sum = 0;
    let mut out = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        let size = value.to_string().len();
        if size > MAX_VARIABLE {
            return Err(Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The value assigned to the variable '{name}' by the field '{field}' of state \
                     '{state}' is {size} bytes, more than the {MAX_VARIABLE} a variable may hold"
                ),
            ));
        }
        sum += size;
        out.push((name, value, size));
    }
    if sum > MAX_ASSIGN {
        return Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "The field '{field}' of state '{state}' assigns {sum} bytes, more than the \
                 {MAX_ASSIGN} one Assign may"
            ),
        ));
    }
    Ok(out)
}

/// Evaluates an `Assign`. In JSONPath `dollar` is what `$` means there (the result, the
/// error output or the effective input); in JSONata `states` is `$states`.
pub(super) fn eval_assign(
    assign: &Assign,
    dollar: &Value,
    states: Option<&JValue>,
    env: &Env<'_>,
    state: &str,
    field: &str,
) -> Result<Assigned, Failure> {
    let pairs = match assign {
        Assign::Path(list) => list
            .iter()
            .map(|(name, t)| {
                let mut obj = t.eval_in(dollar, env)?;
                let v = obj
                    .as_object_mut()
                    .and_then(|m| m.values_mut().next())
                    .map(std::mem::take)
                    .unwrap_or(Value::Null);
                Ok((name.clone(), v))
            })
            .collect::<Result<Vec<_>, Failure>>()?,
        Assign::Jsonata(list) => {
            let states = states.expect("JSONata states have $states");
            list.iter()
                .map(|(name, t)| {
                    let v = t.eval(states, env.vars, state, &format!("{field}/{name}"))?;
                    Ok((name.clone(), v))
                })
                .collect::<Result<Vec<_>, Failure>>()?
        }
    };
    checked(state, field, pairs)
}
