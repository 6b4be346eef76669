//! Loading a definition: parse, check everything that can be checked before running, and
//! compile paths and templates so that running does no parsing.
//!
//! `state` parses what every state shares and hands the rest to one parser per state kind
//! (`kinds`); `retry_catch` parses Retry and Catch; `fields` holds the field readers they use;
//! `distributed` parses a distributed Map's ItemReader and ItemBatcher;
//! `scope` checks variable names and the rule that inner scopes do not assign outer ones.

mod distributed;
mod fields;
mod kinds;
mod model;
mod retry_catch;
mod scope;
mod state;

pub(crate) use model::{
    Amount, Assign, Catcher, Choice, Cond, Credentials, Distributed, InputType, IoPath,
    ItemBatcher, ItemReader, Kind, QueryLanguage, ResultPath, ResultWriter, Seconds, Selector,
    Source, State, StateSet, Text, Transformation, WaitFor,
};

use crate::error::DefinitionError;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A loaded, checked state machine, ready to run any number of times.
#[derive(Debug)]
pub struct StateMachine {
    pub(crate) top: StateSet,
    pub(crate) timeout: Option<Duration>,
    /// Whether an execution must keep its input for `$$.Execution.Input`.
    pub(crate) keeps_input: bool,
}

impl StateMachine {
    pub fn from_json(text: &str) -> Result<StateMachine, DefinitionError> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| DefinitionError::new(None, "", format!("not valid JSON: {e}")))?;
        Self::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<StateMachine, DefinitionError> {
        let m = v
            .as_object()
            .ok_or_else(|| DefinitionError::new(None, "", "a definition must be a JSON object"))?;
        for k in m.keys() {
            if !matches!(
                k.as_str(),
                "Comment" | "StartAt" | "States" | "TimeoutSeconds" | "Version" | "QueryLanguage"
            ) {
                return Err(DefinitionError::new(None, k, "unsupported field"));
            }
        }
        let ql = fields::query_language(None, m, QueryLanguage::JsonPath)?
            .unwrap_or(QueryLanguage::JsonPath);
        let timeout = match m.get("TimeoutSeconds") {
            None => None,
            Some(t) => Some(Duration::from_secs(fields::positive_int(
                None,
                "TimeoutSeconds",
                t,
            )?)),
        };
        let top = StateSet::parse(m, None, ql)?;
        scope::check(&top)?;
        Ok(StateMachine {
            keeps_input: top.reads_execution_input(),
            top,
            timeout,
        })
    }

    /// The names of the top-level states, in definition order.
    pub fn state_names(&self) -> impl Iterator<Item = &str> {
        self.top.states.iter().map(|s| &*s.name)
    }

    pub fn start_at(&self) -> &str {
        &self.top.states[self.top.start].name
    }

    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }
}

/// Fills `${Name}` placeholders from `vars`, as CloudFormation's DefinitionSubstitutions do.
/// Unknown placeholders are left as they are; a JSON-escaped value keeps the text valid JSON.
pub fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(j) if vars.contains_key(&after[..j]) => {
                let val = &vars[&after[..j]];
                let quoted = serde_json::to_string(val).expect("string serializes");
                out.push_str(&quoted[1..quoted.len() - 1]);
                rest = &after[j + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl StateSet {
    /// Parses `StartAt` + `States` from `m`; `parent` names the enclosing state for messages,
    /// `ql` is the state machine's query language (the default of every state, however
    /// nested).
    fn parse(
        m: &Map<String, Value>,
        parent: Option<&str>,
        ql: QueryLanguage,
    ) -> Result<StateSet, DefinitionError> {
        let start_at = match m.get("StartAt") {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(DefinitionError::new(parent, "StartAt", "must be a string")),
            None => return Err(DefinitionError::new(parent, "StartAt", "missing")),
        };
        let states = m
            .get("States")
            .ok_or_else(|| DefinitionError::new(parent, "States", "missing"))?
            .as_object()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| DefinitionError::new(parent, "States", "must be a non-empty object"))?;
        let index: HashMap<Arc<str>, usize> = states
            .keys()
            .enumerate()
            .map(|(i, k)| (Arc::from(k.as_str()), i))
            .collect();
        let start = *index.get(start_at).ok_or_else(|| {
            DefinitionError::new(
                parent,
                "StartAt",
                format!("state \"{start_at}\" does not exist"),
            )
        })?;
        let mut out = Vec::with_capacity(states.len());
        for (name, def) in states {
            out.push(state::parse_state(name, def, &index, ql)?);
        }
        Ok(StateSet {
            start,
            states: out,
            index,
        })
    }

    /// Whether any state here or nested below reads `$$.Execution.Input`.
    pub(crate) fn reads_execution_input(&self) -> bool {
        self.states.iter().any(|s| {
            s.reads_execution_input
                || match &s.kind {
                    Kind::Parallel { branches } => {
                        branches.iter().any(StateSet::reads_execution_input)
                    }
                    Kind::Map { processor, .. } => processor.reads_execution_input(),
                    _ => false,
                }
        })
    }
}
