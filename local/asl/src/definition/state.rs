//! One state: the checks and fields every kind shares, then the kind's own parser.

use super::fields::{self, Raw};
use super::retry_catch::{parse_catch, parse_retry};
use super::{kinds, IoPath, Kind, Seconds, State, Text, WaitFor};
use crate::error::DefinitionError;
use crate::path::{Path, Root};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub(super) fn parse_state(
    name: &str,
    def: &Value,
    index: &HashMap<Arc<str>, usize>,
) -> Result<State, DefinitionError> {
    let st = Some(name);
    let m = def
        .as_object()
        .ok_or_else(|| DefinitionError::new(st, "", "a state must be a JSON object"))?;
    let ty = match m.get("Type") {
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err(DefinitionError::new(st, "Type", "must be a string")),
        None => return Err(DefinitionError::new(st, "Type", "missing")),
    };
    let allowed = fields::allowed(ty)
        .ok_or_else(|| DefinitionError::new(st, "Type", format!("unknown state type \"{ty}\"")))?;
    for k in m.keys() {
        if !fields::COMMON.contains(&k.as_str()) && !allowed.contains(&k.as_str()) {
            return Err(DefinitionError::new(
                st,
                k,
                format!("unsupported field for a {ty} state"),
            ));
        }
    }
    fields::check_query_language(st, m)?;
    let s = Raw { name, m, index };

    let terminal = matches!(ty, "Choice" | "Succeed" | "Fail");
    let next = if terminal { None } else { next_or_end(&s)? };
    let retry = parse_retry(&s)?;
    let catch = parse_catch(&s)?;
    // A Map's Parameters is its ItemSelector, which its own parser reads.
    let parameters = if ty == "Map" {
        None
    } else {
        s.template("Parameters")?
    };
    let result_selector = s.template("ResultSelector")?;

    let kind = match ty {
        "Pass" => kinds::pass(&s),
        "Task" => kinds::task(&s)?,
        "Choice" => kinds::choice(&s)?,
        "Wait" => kinds::wait(&s)?,
        "Succeed" => Kind::Succeed,
        "Fail" => kinds::fail(&s)?,
        "Parallel" => kinds::parallel(&s)?,
        "Map" => kinds::map(&s)?,
        _ => unreachable!("type checked above"),
    };

    let mut state = State {
        name: Arc::from(name),
        input_path: s.io_path("InputPath")?,
        output_path: s.io_path("OutputPath")?,
        result_path: s.result_path(m.get("ResultPath"), "ResultPath")?,
        kind,
        parameters,
        result_selector,
        next,
        retry,
        catch,
        needs_context: false,
        reads_execution_input: false,
    };
    let mut paths = Vec::new();
    state.paths(&mut paths);
    let needs_context = paths.iter().any(|p| p.root() == Root::Context);
    let reads_execution_input = paths
        .iter()
        .any(|p| p.may_read_context(&["Execution", "Input"]));
    state.needs_context = needs_context;
    state.reads_execution_input = reads_execution_input;
    Ok(state)
}

/// `Next` or `End: true`, exactly one of them.
fn next_or_end(s: &Raw<'_>) -> Result<Option<usize>, DefinitionError> {
    match (s.get("Next"), s.get("End")) {
        (Some(_), Some(_)) => Err(s.err("End", "a state has either Next or End, not both")),
        (Some(n), None) => Ok(Some(s.target("Next", n)?)),
        (None, Some(Value::Bool(true))) => Ok(None),
        (None, Some(_)) => Err(s.err("End", "must be true")),
        (None, None) => Err(s.err("Next", "missing: a state needs Next or End: true")),
    }
}

impl State {
    /// The paths this state itself reads (not those of states nested in it).
    fn paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        for io in [&self.input_path, &self.output_path] {
            if let IoPath::Path(p) = io {
                out.push(p);
            }
        }
        for t in [&self.parameters, &self.result_selector]
            .into_iter()
            .flatten()
        {
            t.paths(out);
        }
        let secs = |s: &'a Option<Seconds>, out: &mut Vec<&'a Path>| {
            if let Some(Seconds::Path(p)) = s {
                out.push(p);
            }
        };
        match &self.kind {
            Kind::Task { timeout, .. } => secs(timeout, out),
            Kind::Choice { choices, .. } => choices.iter().for_each(|(r, _)| r.paths(out)),
            Kind::Wait(WaitFor::Seconds(Seconds::Path(p)) | WaitFor::TimestampPath(p)) => {
                out.push(p)
            }
            Kind::Fail { error, cause } => {
                for t in [error, cause] {
                    match t {
                        Text::Path(p) => out.push(p),
                        Text::Intrinsic(i) => i.paths(out),
                        _ => {}
                    }
                }
            }
            Kind::Map {
                items_path,
                item_selector,
                max_concurrency,
                ..
            } => {
                out.extend(items_path.iter());
                if let Some(t) = item_selector {
                    t.paths(out);
                }
                secs(max_concurrency, out);
            }
            _ => {}
        }
    }
}
