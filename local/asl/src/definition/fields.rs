//! Reading the fields of one state: which fields each kind takes, and typed readers whose
//! errors name the state and the field.

use super::{IoPath, ResultPath, StateSet};
use crate::error::{names, DefinitionError};
use crate::path::Path;
use crate::template::Template;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Fields every state may have.
pub(super) const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

/// The fields a state of type `ty` may have besides [`COMMON`]; `None` for an unknown type.
pub(super) fn allowed(ty: &str) -> Option<&'static [&'static str]> {
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

pub(super) fn check_query_language(
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

pub(super) fn positive_int(
    state: Option<&str>,
    field: &str,
    v: &Value,
) -> Result<u64, DefinitionError> {
    v.as_u64().filter(|&n| n > 0).ok_or_else(|| {
        DefinitionError::new(state, field, format!("must be a positive integer, not {v}"))
    })
}

/// The JSON object of one state while it is parsed, with the names of its sibling states
/// (which `Next`, `Default` and `Catch` point at).
pub(super) struct Raw<'a> {
    pub name: &'a str,
    pub m: &'a Map<String, Value>,
    pub index: &'a HashMap<Arc<str>, usize>,
}

impl<'a> Raw<'a> {
    pub fn st(&self) -> Option<&'a str> {
        Some(self.name)
    }

    pub fn err(&self, field: &str, message: impl Into<String>) -> DefinitionError {
        DefinitionError::new(self.st(), field, message)
    }

    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.m.get(field)
    }

    /// The index of the sibling state named by `v`.
    pub fn target(&self, field: &str, v: &Value) -> Result<usize, DefinitionError> {
        let n = v
            .as_str()
            .ok_or_else(|| self.err(field, "must be a state name"))?;
        self.index
            .get(n)
            .copied()
            .ok_or_else(|| self.err(field, format!("state \"{n}\" does not exist")))
    }

    pub fn str_field(&self, field: &str) -> Result<Option<&'a str>, DefinitionError> {
        match self.m.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.err(field, format!("must be a string, not {other}"))),
        }
    }

    pub fn path_field(&self, field: &str) -> Result<Option<Path>, DefinitionError> {
        self.str_field(field)?
            .map(|s| Path::parse(s).map_err(|e| self.err(field, e)))
            .transpose()
    }

    pub fn io_path(&self, field: &str) -> Result<IoPath, DefinitionError> {
        match self.m.get(field) {
            None => Ok(IoPath::Root),
            Some(Value::Null) => Ok(IoPath::Null),
            Some(_) => {
                let p = self.path_field(field)?.expect("present");
                Ok(if p.is_root() && p.root() == crate::path::Root::Input {
                    IoPath::Root
                } else {
                    IoPath::Path(p)
                })
            }
        }
    }

    pub fn result_path(
        &self,
        v: Option<&Value>,
        field: &str,
    ) -> Result<ResultPath, DefinitionError> {
        match v {
            None => Ok(ResultPath::Replace),
            Some(Value::Null) => Ok(ResultPath::Discard),
            Some(Value::String(s)) => {
                let p = Path::parse_reference(s).map_err(|e| self.err(field, e))?;
                Ok(if p.is_root() {
                    ResultPath::Replace
                } else {
                    ResultPath::At(p)
                })
            }
            Some(other) => Err(self.err(
                field,
                format!("must be a reference path or null, not {other}"),
            )),
        }
    }

    pub fn template(&self, field: &str) -> Result<Option<Template>, DefinitionError> {
        self.m
            .get(field)
            .map(|v| Template::compile(v).map_err(|e| self.err(field, e)))
            .transpose()
    }

    pub fn positive_int(&self, field: &str, v: &Value) -> Result<u64, DefinitionError> {
        positive_int(self.st(), field, v)
    }

    pub fn non_negative_int(&self, field: &str, v: &Value) -> Result<u64, DefinitionError> {
        v.as_u64()
            .ok_or_else(|| self.err(field, format!("must be a non-negative integer, not {v}")))
    }

    /// A non-empty array field.
    pub fn list(&self, field: &str) -> Result<&'a Vec<Value>, DefinitionError> {
        self.m
            .get(field)
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| self.err(field, "must be a non-empty array"))
    }

    /// Checks the fields of a state set nested in this state: a Parallel branch, or a Map's
    /// item processor (which may also have an INLINE `ProcessorConfig`).
    pub fn check_set_fields(
        &self,
        field: &str,
        m: &Map<String, Value>,
        item_processor: bool,
    ) -> Result<(), DefinitionError> {
        for (k, v) in m {
            match k.as_str() {
                "StartAt" | "States" | "Comment" | "QueryLanguage" => {}
                "ProcessorConfig" if item_processor => {
                    let mode = v.get("Mode").and_then(Value::as_str).unwrap_or("INLINE");
                    if mode != "INLINE" {
                        return Err(self.err(
                            &format!("{field}.ProcessorConfig.Mode"),
                            format!("only INLINE is supported, not {mode}"),
                        ));
                    }
                }
                _ => return Err(self.err(&format!("{field}.{k}"), "unsupported field")),
            }
        }
        Ok(())
    }

    /// The states of a branch or item processor, named as inside this state.
    pub fn state_set(&self, m: &Map<String, Value>) -> Result<StateSet, DefinitionError> {
        StateSet::parse(m, self.st())
    }

    /// `ErrorEquals` of a retrier or catcher.
    pub fn error_equals(
        &self,
        field: &str,
        v: Option<&Value>,
    ) -> Result<Vec<String>, DefinitionError> {
        let list = v
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| self.err(field, "must be a non-empty array of error names"))?;
        let names_: Vec<String> = list
            .iter()
            .map(|e| {
                e.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.err(field, "error names must be strings"))
            })
            .collect::<Result<_, _>>()?;
        if names_.len() > 1 && names_.iter().any(|n| n == names::ALL) {
            return Err(self.err(field, "States.ALL must appear alone in ErrorEquals"));
        }
        Ok(names_)
    }
}
