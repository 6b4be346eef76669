//! One state: the checks and fields every kind shares, then the kind's own parser.

use super::fields::{self, Raw};
use super::kinds;
use super::model::{
    Amount, Assign, Cond, Credentials, IoPath, Kind, QueryLanguage, Seconds, Selector, State, Text,
    WaitFor,
};
use super::retry_catch::{parse_catch, parse_retry};
use crate::error::DefinitionError;
use crate::jsonata::Expr;
use crate::path::{Path, Root};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub(super) fn parse_state(
    name: &str,
    def: &Value,
    index: &HashMap<Arc<str>, usize>,
    machine_ql: QueryLanguage,
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
    let ql = fields::query_language(st, m, machine_ql)?.unwrap_or(machine_ql);
    let allowed = fields::allowed(ty, ql)
        .ok_or_else(|| DefinitionError::new(st, "Type", format!("unknown state type \"{ty}\"")))?;
    for k in m.keys() {
        if !fields::COMMON.contains(&k.as_str()) && !allowed.contains(&k.as_str()) {
            return Err(DefinitionError::new(st, k, fields::unsupported(ty, ql, k)));
        }
    }
    let s = Raw {
        name,
        m,
        index,
        ql,
        machine_ql,
    };

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
        ql,
        input_path: s.io_path("InputPath")?,
        output_path: s.io_path("OutputPath")?,
        result_path: s.result_path(m.get("ResultPath"), "ResultPath")?,
        arguments: s.jtemplate("Arguments")?,
        output: s.jtemplate("Output")?,
        assign: s.assign("Assign", m.get("Assign"))?,
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
    let mut exprs = Vec::new();
    state.exprs(&mut exprs);
    check_states_fields(&state, &s)?;
    // A JSONata state reads the context object through `$states.context`; the whole
    // execution input is only kept when something may read it.
    let jsonata_context = exprs.iter().any(|e| e.reads().reads_states("context"));
    let needs_context = paths.iter().any(|p| p.root() == Root::Context) || jsonata_context;
    let reads_execution_input = jsonata_context
        || paths
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

/// `$states.result` is there only in a work state's own `Output` and `Assign`, and
/// `$states.errorOutput` only in a catcher's: anywhere else an expression reading them is
/// refused at load, as it could never succeed.
fn check_states_fields(st: &State, s: &Raw<'_>) -> Result<(), DefinitionError> {
    let work = matches!(
        st.kind,
        Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map { .. }
    );
    let check = |field: &str, exprs: Vec<&Expr>, result: bool, error: bool| {
        for e in exprs {
            let r = e.reads();
            for (name, ok) in [("result", result), ("errorOutput", error)] {
                if !ok && r.states.contains(name) {
                    return Err(s.err(
                        field,
                        format!(
                            "the JSONata expression '{}' reads $states.{name}, which this field \
                             does not have",
                            e.as_str()
                        ),
                    ));
                }
            }
        }
        Ok(())
    };
    fn list(t: Option<&crate::jsonata::JTemplate>) -> Vec<&Expr> {
        let mut v = Vec::new();
        if let Some(t) = t {
            t.exprs(&mut v);
        }
        v
    }
    check("Output", list(st.output.as_ref()), work, false)?;
    check("Arguments", list(st.arguments.as_ref()), false, false)?;
    if let Some(a) = &st.assign {
        let mut v = Vec::new();
        a.exprs(&mut v);
        check("Assign", v, work, false)?;
    }
    for (i, c) in st.catch.iter().enumerate() {
        let mut v = list(c.output.as_ref());
        if let Some(a) = &c.assign {
            a.exprs(&mut v);
        }
        check(&format!("Catch[{i}]"), v, false, true)?;
    }
    let mut rest = Vec::new();
    st.kind_exprs(&mut rest);
    check("", rest, false, false)
}

impl Assign {
    pub(crate) fn exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        if let Assign::Jsonata(v) = self {
            v.iter().for_each(|(_, t)| t.exprs(out));
        }
    }
}

impl State {
    /// Every JSONata expression of this state (not of states nested in it).
    fn exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        for t in [&self.arguments, &self.output].into_iter().flatten() {
            t.exprs(out);
        }
        if let Some(a) = &self.assign {
            a.exprs(out);
        }
        for c in &self.catch {
            if let Some(t) = &c.output {
                t.exprs(out);
            }
            if let Some(a) = &c.assign {
                a.exprs(out);
            }
        }
        self.kind_exprs(out);
    }

    /// The expressions of the fields only this state's kind has.
    fn kind_exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        let secs = |s: &'a Option<Seconds>, out: &mut Vec<&'a Expr>| {
            if let Some(Seconds::Jsonata(e)) = s {
                out.push(e);
            }
        };
        match &self.kind {
            Kind::Task {
                timeout,
                heartbeat,
                credentials,
                ..
            } => {
                secs(timeout, out);
                secs(heartbeat, out);
                if let Some(Credentials::Jsonata(t)) = credentials {
                    t.exprs(out);
                }
            }
            Kind::Choice { choices, .. } => {
                for c in choices {
                    if let Cond::Jsonata(e) = &c.cond {
                        out.push(e);
                    }
                    if let Some(t) = &c.output {
                        t.exprs(out);
                    }
                    if let Some(a) = &c.assign {
                        a.exprs(out);
                    }
                }
            }
            Kind::Wait(WaitFor::Seconds(Seconds::Jsonata(e)) | WaitFor::TimestampExpr(e)) => {
                out.push(e)
            }
            Kind::Fail { error, cause } => {
                for t in [error, cause] {
                    if let Text::Jsonata(e) = t {
                        out.push(e);
                    }
                }
            }
            Kind::Map {
                items,
                item_selector,
                max_concurrency,
                tolerated_count,
                tolerated_percentage,
                distributed,
                ..
            } => {
                if let Some(d) = distributed {
                    d.exprs(out);
                }
                if let Some(t) = items {
                    t.exprs(out);
                }
                if let Some(Selector::Jsonata(t)) = item_selector {
                    t.exprs(out);
                }
                secs(max_concurrency, out);
                for a in [tolerated_count, tolerated_percentage]
                    .into_iter()
                    .flatten()
                {
                    if let Amount::Jsonata(e) = &**a {
                        out.push(e);
                    }
                }
            }
            _ => {}
        }
    }

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
        let assign_paths = |a: &'a Option<Assign>, out: &mut Vec<&'a Path>| {
            if let Some(Assign::Path(v)) = a {
                v.iter().for_each(|(_, t)| t.paths(out));
            }
        };
        assign_paths(&self.assign, out);
        for c in &self.catch {
            assign_paths(&c.assign, out);
        }
        let secs = |s: &'a Option<Seconds>, out: &mut Vec<&'a Path>| {
            if let Some(Seconds::Path(p)) = s {
                out.push(p);
            }
        };
        match &self.kind {
            Kind::Task {
                timeout,
                heartbeat,
                credentials,
                ..
            } => {
                secs(timeout, out);
                secs(heartbeat, out);
                if let Some(Credentials::Path(t)) = credentials {
                    t.paths(out);
                }
            }
            Kind::Choice { choices, .. } => {
                for c in choices {
                    if let Cond::Rule(r) = &c.cond {
                        r.paths(out);
                    }
                    assign_paths(&c.assign, out);
                }
            }
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
                tolerated_count,
                tolerated_percentage,
                distributed,
                ..
            } => {
                if let Some(d) = distributed {
                    d.paths(out);
                }
                out.extend(items_path.iter());
                if let Some(Selector::Path(t)) = item_selector {
                    t.paths(out);
                }
                secs(max_concurrency, out);
                for a in [tolerated_count, tolerated_percentage]
                    .into_iter()
                    .flatten()
                {
                    if let Amount::Path(p) = &**a {
                        out.push(p);
                    }
                }
            }
            _ => {}
        }
    }
}
