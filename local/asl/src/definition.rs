//! Loading a definition: parse, check everything that can be checked before running, and
//! compile paths and templates so that running does no parsing.

use crate::choice::{parse_timestamp, Rule};
use crate::error::{names, DefinitionError};
use crate::intrinsics::Intrinsic;
use crate::path::Path;
use crate::retry::Retrier;
use crate::template::Template;
use chrono::{DateTime, FixedOffset};
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
        check_query_language(None, m)?;
        let timeout = match m.get("TimeoutSeconds") {
            None => None,
            Some(t) => Some(Duration::from_secs(positive_int(
                None,
                "TimeoutSeconds",
                t,
            )?)),
        };
        let top = StateSet::parse(m, None)?;
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

#[derive(Debug)]
pub(crate) struct StateSet {
    pub start: usize,
    pub states: Vec<State>,
    pub index: HashMap<Arc<str>, usize>,
}

#[derive(Debug)]
pub(crate) enum IoPath {
    Root,
    Null,
    Path(Path),
}

#[derive(Debug)]
pub(crate) enum ResultPath {
    Replace,
    Discard,
    At(Path),
}

#[derive(Debug)]
pub(crate) struct Catcher {
    pub error_equals: Vec<String>,
    pub result_path: ResultPath,
    pub next: usize,
}

#[derive(Debug)]
pub(crate) enum Seconds {
    Fixed(u64),
    Path(Path),
}

#[derive(Debug)]
pub(crate) enum WaitFor {
    Seconds(Seconds),
    Timestamp(DateTime<FixedOffset>),
    TimestampPath(Path),
}

#[derive(Debug)]
pub(crate) enum Text {
    None,
    Literal(String),
    Path(Path),
    Intrinsic(Intrinsic),
}

#[derive(Debug)]
pub(crate) enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task {
        resource: Arc<str>,
        resource_type: Arc<str>,
        resource_name: Arc<str>,
        timeout: Option<Seconds>,
        heartbeat: Option<u64>,
    },
    Choice {
        choices: Vec<(Rule, usize)>,
        default: Option<usize>,
    },
    Wait(WaitFor),
    Succeed,
    Fail {
        error: Text,
        cause: Text,
    },
    Parallel {
        branches: Vec<StateSet>,
    },
    Map {
        items_path: Option<Path>,
        item_selector: Option<Template>,
        max_concurrency: Option<Seconds>,
        processor: StateSet,
    },
}

#[derive(Debug)]
pub(crate) struct State {
    pub name: Arc<str>,
    pub kind: Kind,
    pub input_path: IoPath,
    pub output_path: IoPath,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    /// `None` ends the state set (End: true, or a terminal state).
    pub next: Option<usize>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// Whether anything in this state reads the context object, which is then built.
    pub needs_context: bool,
    pub reads_execution_input: bool,
}

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

fn allowed(ty: &str) -> Option<&'static [&'static str]> {
    Some(match ty {
        "Pass" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "Result",
        ],
        "Task" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Resource",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
        ],
        "Choice" => &["InputPath", "OutputPath", "Choices", "Default"],
        "Wait" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
        ],
        "Succeed" => &["InputPath", "OutputPath"],
        "Fail" => &["Error", "ErrorPath", "Cause", "CausePath"],
        "Parallel" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Branches",
        ],
        "Map" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ItemsPath",
            "ItemSelector",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "Iterator",
            "ItemProcessor",
        ],
        _ => return None,
    })
}

fn check_query_language(
    state: Option<&str>,
    m: &Map<String, Value>,
) -> Result<(), DefinitionError> {
    match m.get("QueryLanguage") {
        None => Ok(()),
        Some(Value::String(s)) if s == "JSONPath" => Ok(()),
        Some(other) => Err(DefinitionError::new(
            state,
            "QueryLanguage",
            format!("only \"JSONPath\" is supported, not {other}"),
        )),
    }
}

fn positive_int(state: Option<&str>, field: &str, v: &Value) -> Result<u64, DefinitionError> {
    v.as_u64().filter(|&n| n > 0).ok_or_else(|| {
        DefinitionError::new(state, field, format!("must be a positive integer, not {v}"))
    })
}

fn str_field<'a>(
    state: &str,
    m: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, DefinitionError> {
    match m.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(DefinitionError::new(
            Some(state),
            field,
            format!("must be a string, not {other}"),
        )),
    }
}

fn path_field(
    state: &str,
    m: &Map<String, Value>,
    field: &str,
) -> Result<Option<Path>, DefinitionError> {
    str_field(state, m, field)?
        .map(|s| Path::parse(s).map_err(|e| DefinitionError::new(Some(state), field, e)))
        .transpose()
}

fn io_path(state: &str, m: &Map<String, Value>, field: &str) -> Result<IoPath, DefinitionError> {
    match m.get(field) {
        None => Ok(IoPath::Root),
        Some(Value::Null) => Ok(IoPath::Null),
        Some(_) => {
            let p = path_field(state, m, field)?.expect("present");
            Ok(if p.is_root() && p.root() == crate::path::Root::Input {
                IoPath::Root
            } else {
                IoPath::Path(p)
            })
        }
    }
}

fn result_path(state: &str, v: Option<&Value>, field: &str) -> Result<ResultPath, DefinitionError> {
    match v {
        None => Ok(ResultPath::Replace),
        Some(Value::Null) => Ok(ResultPath::Discard),
        Some(Value::String(s)) => {
            let p = Path::parse_reference(s)
                .map_err(|e| DefinitionError::new(Some(state), field, e))?;
            Ok(if p.is_root() {
                ResultPath::Replace
            } else {
                ResultPath::At(p)
            })
        }
        Some(other) => Err(DefinitionError::new(
            Some(state),
            field,
            format!("must be a reference path or null, not {other}"),
        )),
    }
}

fn template(
    state: &str,
    m: &Map<String, Value>,
    field: &str,
) -> Result<Option<Template>, DefinitionError> {
    m.get(field)
        .map(|v| Template::compile(v).map_err(|e| DefinitionError::new(Some(state), field, e)))
        .transpose()
}

fn error_equals(
    state: &str,
    field: &str,
    v: Option<&Value>,
) -> Result<Vec<String>, DefinitionError> {
    let list = v
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            DefinitionError::new(
                Some(state),
                field,
                "must be a non-empty array of error names",
            )
        })?;
    let names_: Vec<String> = list
        .iter()
        .map(|e| {
            e.as_str().map(str::to_owned).ok_or_else(|| {
                DefinitionError::new(Some(state), field, "error names must be strings")
            })
        })
        .collect::<Result<_, _>>()?;
    if names_.len() > 1 && names_.iter().any(|n| n == names::ALL) {
        return Err(DefinitionError::new(
            Some(state),
            field,
            "States.ALL must appear alone in ErrorEquals",
        ));
    }
    Ok(names_)
}

fn split_resource(resource: &str) -> (String, String) {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        if let Some((ty, name)) = rest.split_once(':') {
            return (ty.to_owned(), name.to_owned());
        }
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() >= 3 && parts[0] == "arn" {
        return (parts[2].to_owned(), resource.to_owned());
    }
    (String::new(), resource.to_owned())
}

impl StateSet {
    /// Parses `StartAt` + `States` from `m`; `parent` names the enclosing state for messages.
    fn parse(m: &Map<String, Value>, parent: Option<&str>) -> Result<StateSet, DefinitionError> {
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
            out.push(parse_state(name, def, &index)?);
        }
        Ok(StateSet {
            start,
            states: out,
            index,
        })
    }
}

fn parse_state(
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
    let fields = allowed(ty)
        .ok_or_else(|| DefinitionError::new(st, "Type", format!("unknown state type \"{ty}\"")))?;
    for k in m.keys() {
        if !COMMON.contains(&k.as_str()) && !fields.contains(&k.as_str()) {
            return Err(DefinitionError::new(
                st,
                k,
                format!("unsupported field for a {ty} state"),
            ));
        }
    }
    check_query_language(st, m)?;
    let target = |field: &str, v: &Value| -> Result<usize, DefinitionError> {
        let n = v
            .as_str()
            .ok_or_else(|| DefinitionError::new(st, field, "must be a state name"))?;
        index
            .get(n)
            .copied()
            .ok_or_else(|| DefinitionError::new(st, field, format!("state \"{n}\" does not exist")))
    };

    let terminal = matches!(ty, "Choice" | "Succeed" | "Fail");
    let next = if terminal {
        None
    } else {
        match (m.get("Next"), m.get("End")) {
            (Some(_), Some(_)) => {
                return Err(DefinitionError::new(
                    st,
                    "End",
                    "a state has either Next or End, not both",
                ))
            }
            (Some(n), None) => Some(target("Next", n)?),
            (None, Some(Value::Bool(true))) => None,
            (None, Some(_)) => return Err(DefinitionError::new(st, "End", "must be true")),
            (None, None) => {
                return Err(DefinitionError::new(
                    st,
                    "Next",
                    "missing: a state needs Next or End: true",
                ))
            }
        }
    };

    let mut retry = Vec::new();
    if let Some(r) = m.get("Retry") {
        let list = r
            .as_array()
            .ok_or_else(|| DefinitionError::new(st, "Retry", "must be an array"))?;
        for (i, rv) in list.iter().enumerate() {
            let f = |sub: &str| format!("Retry[{i}].{sub}");
            let rm = rv.as_object().ok_or_else(|| {
                DefinitionError::new(st, &format!("Retry[{i}]"), "must be an object")
            })?;
            for k in rm.keys() {
                if !matches!(
                    k.as_str(),
                    "ErrorEquals"
                        | "IntervalSeconds"
                        | "MaxAttempts"
                        | "BackoffRate"
                        | "MaxDelaySeconds"
                        | "JitterStrategy"
                        | "Comment"
                ) {
                    return Err(DefinitionError::new(st, &f(k), "unsupported field"));
                }
            }
            let errors = error_equals(name, &f("ErrorEquals"), rm.get("ErrorEquals"))?;
            if errors.iter().any(|e| e == names::ALL) && i + 1 != list.len() {
                return Err(DefinitionError::new(
                    st,
                    &f("ErrorEquals"),
                    "States.ALL must be in the last retrier",
                ));
            }
            let num = |k: &str, default: f64, min: f64| -> Result<f64, DefinitionError> {
                match rm.get(k) {
                    None => Ok(default),
                    Some(v) => v.as_f64().filter(|x| *x >= min).ok_or_else(|| {
                        DefinitionError::new(
                            st,
                            &f(k),
                            format!("must be a number >= {min}, not {v}"),
                        )
                    }),
                }
            };
            let max_attempts = match rm.get("MaxAttempts") {
                None => 3,
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        DefinitionError::new(
                            st,
                            &f("MaxAttempts"),
                            format!("must be a non-negative integer, not {v}"),
                        )
                    })?,
            };
            let full_jitter = match rm.get("JitterStrategy") {
                None => false,
                Some(Value::String(s)) if s == "FULL" => true,
                Some(Value::String(s)) if s == "NONE" => false,
                Some(v) => {
                    return Err(DefinitionError::new(
                        st,
                        &f("JitterStrategy"),
                        format!("must be FULL or NONE, not {v}"),
                    ))
                }
            };
            retry.push(Retrier {
                error_equals: errors,
                interval_seconds: num("IntervalSeconds", 1.0, 1.0)?,
                max_attempts,
                backoff_rate: num("BackoffRate", 2.0, 1.0)?,
                max_delay_seconds: rm
                    .get("MaxDelaySeconds")
                    .map(|_| num("MaxDelaySeconds", 0.0, 1.0))
                    .transpose()?,
                full_jitter,
            });
        }
    }

    let mut catch = Vec::new();
    if let Some(c) = m.get("Catch") {
        let list = c
            .as_array()
            .ok_or_else(|| DefinitionError::new(st, "Catch", "must be an array"))?;
        for (i, cv) in list.iter().enumerate() {
            let f = |sub: &str| format!("Catch[{i}].{sub}");
            let cm = cv.as_object().ok_or_else(|| {
                DefinitionError::new(st, &format!("Catch[{i}]"), "must be an object")
            })?;
            for k in cm.keys() {
                if !matches!(
                    k.as_str(),
                    "ErrorEquals" | "ResultPath" | "Next" | "Comment"
                ) {
                    return Err(DefinitionError::new(st, &f(k), "unsupported field"));
                }
            }
            let errors = error_equals(name, &f("ErrorEquals"), cm.get("ErrorEquals"))?;
            if errors.iter().any(|e| e == names::ALL) && i + 1 != list.len() {
                return Err(DefinitionError::new(
                    st,
                    &f("ErrorEquals"),
                    "States.ALL must be in the last catcher",
                ));
            }
            let next = target(
                &f("Next"),
                cm.get("Next")
                    .ok_or_else(|| DefinitionError::new(st, &f("Next"), "missing"))?,
            )?;
            catch.push(Catcher {
                error_equals: errors,
                result_path: result_path(name, cm.get("ResultPath"), &f("ResultPath"))?,
                next,
            });
        }
    }

    let mut parameters = if ty == "Map" {
        None
    } else {
        template(name, m, "Parameters")?
    };
    let result_selector = template(name, m, "ResultSelector")?;

    let kind = match ty {
        "Pass" => Kind::Pass {
            result: m.get("Result").cloned(),
        },
        "Task" => {
            let resource = str_field(name, m, "Resource")?
                .ok_or_else(|| DefinitionError::new(st, "Resource", "missing"))?;
            let (rt, rn) = split_resource(resource);
            let timeout = match (
                m.get("TimeoutSeconds"),
                path_field(name, m, "TimeoutSecondsPath")?,
            ) {
                (Some(_), Some(_)) => {
                    return Err(DefinitionError::new(
                        st,
                        "TimeoutSecondsPath",
                        "TimeoutSeconds and TimeoutSecondsPath are exclusive",
                    ))
                }
                (Some(v), None) => Some(Seconds::Fixed(positive_int(st, "TimeoutSeconds", v)?)),
                (None, Some(p)) => Some(Seconds::Path(p)),
                (None, None) => None,
            };
            let heartbeat = m
                .get("HeartbeatSeconds")
                .map(|v| positive_int(st, "HeartbeatSeconds", v))
                .transpose()?;
            Kind::Task {
                resource: resource.into(),
                resource_type: rt.into(),
                resource_name: rn.into(),
                timeout,
                heartbeat,
            }
        }
        "Choice" => {
            let list = m
                .get("Choices")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or_else(|| DefinitionError::new(st, "Choices", "must be a non-empty array"))?;
            let mut choices = Vec::with_capacity(list.len());
            for (i, c) in list.iter().enumerate() {
                let field = format!("Choices[{i}]");
                let rule = Rule::parse(c, true).map_err(|e| DefinitionError::new(st, &field, e))?;
                let next = target(
                    &format!("{field}.Next"),
                    c.get("Next").ok_or_else(|| {
                        DefinitionError::new(st, &format!("{field}.Next"), "missing")
                    })?,
                )?;
                choices.push((rule, next));
            }
            let default = m.get("Default").map(|d| target("Default", d)).transpose()?;
            Kind::Choice { choices, default }
        }
        "Wait" => {
            let present: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
                .into_iter()
                .filter(|k| m.contains_key(*k))
                .collect();
            if present.len() != 1 {
                return Err(DefinitionError::new(
                    st,
                    present.get(1).copied().unwrap_or("Seconds"),
                    "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath",
                ));
            }
            Kind::Wait(match present[0] {
                "Seconds" => {
                    let v = &m["Seconds"];
                    Seconds::Fixed(v.as_u64().ok_or_else(|| {
                        DefinitionError::new(
                            st,
                            "Seconds",
                            format!("must be a non-negative integer, not {v}"),
                        )
                    })?)
                    .into()
                }
                "SecondsPath" => {
                    Seconds::Path(path_field(name, m, "SecondsPath")?.expect("present")).into()
                }
                "Timestamp" => {
                    let s = str_field(name, m, "Timestamp")?.expect("present");
                    WaitFor::Timestamp(parse_timestamp(s).ok_or_else(|| {
                        DefinitionError::new(
                            st,
                            "Timestamp",
                            format!("'{s}' is not an RFC 3339 timestamp"),
                        )
                    })?)
                }
                _ => {
                    WaitFor::TimestampPath(path_field(name, m, "TimestampPath")?.expect("present"))
                }
            })
        }
        "Succeed" => Kind::Succeed,
        "Fail" => {
            let text = |lit: &str, path: &str| -> Result<Text, DefinitionError> {
                match (str_field(name, m, lit)?, str_field(name, m, path)?) {
                    (Some(_), Some(_)) => Err(DefinitionError::new(
                        st,
                        path,
                        format!("{lit} and {path} are exclusive"),
                    )),
                    (Some(s), None) => Ok(Text::Literal(s.to_owned())),
                    (None, Some(p)) if p.starts_with("States.") => Ok(Text::Intrinsic(
                        Intrinsic::parse(p).map_err(|e| DefinitionError::new(st, path, e))?,
                    )),
                    (None, Some(p)) => Ok(Text::Path(
                        Path::parse(p).map_err(|e| DefinitionError::new(st, path, e))?,
                    )),
                    (None, None) => Ok(Text::None),
                }
            };
            Kind::Fail {
                error: text("Error", "ErrorPath")?,
                cause: text("Cause", "CausePath")?,
            }
        }
        "Parallel" => {
            let list = m
                .get("Branches")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or_else(|| DefinitionError::new(st, "Branches", "must be a non-empty array"))?;
            let mut branches = Vec::with_capacity(list.len());
            for (i, b) in list.iter().enumerate() {
                let bm = b.as_object().ok_or_else(|| {
                    DefinitionError::new(st, &format!("Branches[{i}]"), "must be an object")
                })?;
                for k in bm.keys() {
                    if !matches!(
                        k.as_str(),
                        "StartAt" | "States" | "Comment" | "QueryLanguage"
                    ) {
                        return Err(DefinitionError::new(
                            st,
                            &format!("Branches[{i}].{k}"),
                            "unsupported field",
                        ));
                    }
                }
                branches.push(StateSet::parse(bm, st)?);
            }
            Kind::Parallel { branches }
        }
        "Map" => {
            let (field, proc) = match (m.get("ItemProcessor"), m.get("Iterator")) {
                (Some(_), Some(_)) => {
                    return Err(DefinitionError::new(
                        st,
                        "Iterator",
                        "ItemProcessor and Iterator are exclusive",
                    ))
                }
                (Some(p), None) => ("ItemProcessor", p),
                (None, Some(p)) => ("Iterator", p),
                (None, None) => return Err(DefinitionError::new(st, "ItemProcessor", "missing")),
            };
            let pm = proc
                .as_object()
                .ok_or_else(|| DefinitionError::new(st, field, "must be an object"))?;
            for (k, v) in pm {
                match k.as_str() {
                    "StartAt" | "States" | "Comment" | "QueryLanguage" => {}
                    "ProcessorConfig" => {
                        let mode = v.get("Mode").and_then(Value::as_str).unwrap_or("INLINE");
                        if mode != "INLINE" {
                            return Err(DefinitionError::new(
                                st,
                                &format!("{field}.ProcessorConfig.Mode"),
                                format!("only INLINE is supported, not {mode}"),
                            ));
                        }
                    }
                    _ => {
                        return Err(DefinitionError::new(
                            st,
                            &format!("{field}.{k}"),
                            "unsupported field",
                        ))
                    }
                }
            }
            let item_selector = match (
                template(name, m, "ItemSelector")?,
                template(name, m, "Parameters")?,
            ) {
                (Some(_), Some(_)) => {
                    return Err(DefinitionError::new(
                        st,
                        "Parameters",
                        "ItemSelector and Parameters are exclusive",
                    ))
                }
                (a, b) => a.or(b),
            };
            let max_concurrency = match (
                m.get("MaxConcurrency"),
                path_field(name, m, "MaxConcurrencyPath")?,
            ) {
                (Some(_), Some(_)) => {
                    return Err(DefinitionError::new(
                        st,
                        "MaxConcurrencyPath",
                        "MaxConcurrency and MaxConcurrencyPath are exclusive",
                    ))
                }
                (Some(v), None) => Some(Seconds::Fixed(v.as_u64().ok_or_else(|| {
                    DefinitionError::new(
                        st,
                        "MaxConcurrency",
                        format!("must be a non-negative integer, not {v}"),
                    )
                })?)),
                (None, Some(p)) => Some(Seconds::Path(p)),
                (None, None) => None,
            };
            Kind::Map {
                items_path: path_field(name, m, "ItemsPath")?,
                item_selector,
                max_concurrency,
                processor: StateSet::parse(pm, st)?,
            }
        }
        _ => unreachable!("type checked above"),
    };
    if matches!(kind, Kind::Map { .. }) {
        parameters = None;
    }

    let mut state = State {
        name: Arc::from(name),
        input_path: io_path(name, m, "InputPath")?,
        output_path: io_path(name, m, "OutputPath")?,
        result_path: result_path(name, m.get("ResultPath"), "ResultPath")?,
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
    let needs_context = paths.iter().any(|p| p.root() == crate::path::Root::Context);
    let reads_input = paths
        .iter()
        .any(|p| p.may_read_context(&["Execution", "Input"]));
    state.needs_context = needs_context;
    state.reads_execution_input = reads_input;
    Ok(state)
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

impl StateSet {
    /// Whether any state here or nested below reads `$$.Execution.Input`.
    fn reads_execution_input(&self) -> bool {
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

impl From<Seconds> for WaitFor {
    fn from(s: Seconds) -> Self {
        WaitFor::Seconds(s)
    }
}
