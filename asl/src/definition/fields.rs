//! Reading the fields of one state: which fields each kind takes, and typed readers whose
//! errors name the state and the field.

use super::model::{Assign, IoPath, QueryLanguage, ResultPath, Seconds, StateSet};
use crate::error::{names, DefinitionError};
use crate::jsonata::{expression_text, Expr, JTemplate};
use crate::path::Path;
use crate::template::Template;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Fields every state may have.
pub(super) const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

/// The fields a JSONPath state of type `ty` may have besides [`COMMON`]; `None` for an
/// unknown type.
fn allowed_jsonpath(ty: &str) -> Option<&'static [&'static str]> {
    Some(match ty {
        "Pass" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "Result",
            "Assign",
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
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
        ],
        "Choice" => &["InputPath", "OutputPath", "Choices", "Default", "Assign"],
        "Wait" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "Assign",
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
            "Assign",
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
            "Assign",
            "Label",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
        ],
        _ => return None,
    })
}

/// The fields a JSONata state of type `ty` may have besides [`COMMON`].
fn allowed_jsonata(ty: &str) -> Option<&'static [&'static str]> {
    Some(match ty {
        "Pass" => &["Next", "End", "Output", "Assign"],
        "Task" => &[
            "Next",
            "End",
            "Arguments",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "Resource",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
        ],
        "Choice" => &["Choices", "Default", "Output", "Assign"],
        "Wait" => &["Next", "End", "Seconds", "Timestamp", "Output", "Assign"],
        "Succeed" => &["Output"],
        "Fail" => &["Error", "Cause"],
        "Parallel" => &[
            "Next",
            "End",
            "Arguments",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "Branches",
        ],
        "Map" => &[
            "Next",
            "End",
            "Items",
            "ItemSelector",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "MaxConcurrency",
            "Iterator",
            "ItemProcessor",
            "Label",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
        ],
        _ => return None,
    })
}

/// Fields only JSONPath states have.
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "ItemsPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "ErrorPath",
    "CausePath",
];

/// Fields only JSONata states have.
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

pub(super) fn allowed(ty: &str, ql: QueryLanguage) -> Option<&'static [&'static str]> {
    match ql {
        QueryLanguage::JsonPath => allowed_jsonpath(ty),
        QueryLanguage::Jsonata => allowed_jsonata(ty),
    }
}

/// Why a state of type `ty` in `ql` may not have `field`.
pub(super) fn unsupported(ty: &str, ql: QueryLanguage, field: &str) -> String {
    match ql {
        QueryLanguage::Jsonata if JSONPATH_ONLY.contains(&field) => format!(
            "{field} is a JSONPath field; a JSONata state takes Arguments and Output instead \
             (or set \"QueryLanguage\": \"JSONPath\" on the state)"
        ),
        QueryLanguage::JsonPath if JSONATA_ONLY.contains(&field) => format!(
            "{field} is a JSONata field; set \"QueryLanguage\": \"JSONata\" on the state or \
             the state machine to use it"
        ),
        _ => format!("unsupported field for a {ty} state"),
    }
}

/// The `QueryLanguage` of `m`, if it has one; `machine` is the state machine's, which a state
/// may not turn from JSONata back to JSONPath.
pub(super) fn query_language(
    state: Option<&str>,
    m: &Map<String, Value>,
    machine: QueryLanguage,
) -> Result<Option<QueryLanguage>, DefinitionError> {
    let ql = match m.get("QueryLanguage") {
        None => return Ok(None),
        Some(Value::String(s)) if s == "JSONPath" => QueryLanguage::JsonPath,
        Some(Value::String(s)) if s == "JSONata" => QueryLanguage::Jsonata,
        Some(other) => {
            return Err(DefinitionError::new(
                state,
                "QueryLanguage",
                format!("must be \"JSONPath\" or \"JSONata\", not {other}"),
            ))
        }
    };
    if state.is_some() && machine == QueryLanguage::Jsonata && ql == QueryLanguage::JsonPath {
        return Err(DefinitionError::new(
            state,
            "QueryLanguage",
            "a state cannot use JSONPath when the state machine's QueryLanguage is JSONata",
        ));
    }
    Ok(Some(ql))
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
    /// The state's query language.
    pub ql: QueryLanguage,
    /// The state machine's query language, the default of nested states.
    pub machine_ql: QueryLanguage,
}

impl<'a> Raw<'a> {
    pub(super) fn st(&self) -> Option<&'a str> {
        Some(self.name)
    }

    pub(super) fn err(&self, field: &str, message: impl Into<String>) -> DefinitionError {
        DefinitionError::new(self.st(), field, message)
    }

    pub(super) fn get(&self, field: &str) -> Option<&'a Value> {
        self.m.get(field)
    }

    /// The index of the sibling state named by `v`.
    pub(super) fn target(&self, field: &str, v: &Value) -> Result<usize, DefinitionError> {
        let n = v
            .as_str()
            .ok_or_else(|| self.err(field, "must be a state name"))?;
        self.index
            .get(n)
            .copied()
            .ok_or_else(|| self.err(field, format!("state \"{n}\" does not exist")))
    }

    pub(super) fn str_field(&self, field: &str) -> Result<Option<&'a str>, DefinitionError> {
        match self.m.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.err(field, format!("must be a string, not {other}"))),
        }
    }

    pub(super) fn path_field(&self, field: &str) -> Result<Option<Path>, DefinitionError> {
        self.str_field(field)?
            .map(|s| Path::parse(s).map_err(|e| self.err(field, e)))
            .transpose()
    }

    pub(super) fn io_path(&self, field: &str) -> Result<IoPath, DefinitionError> {
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

    pub(super) fn result_path(
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

    pub(super) fn template(&self, field: &str) -> Result<Option<Template>, DefinitionError> {
        self.m
            .get(field)
            .map(|v| Template::compile(v).map_err(|e| self.err(field, e)))
            .transpose()
    }

    pub(super) fn positive_int(&self, field: &str, v: &Value) -> Result<u64, DefinitionError> {
        positive_int(self.st(), field, v)
    }

    pub(super) fn non_negative_int(&self, field: &str, v: &Value) -> Result<u64, DefinitionError> {
        v.as_u64()
            .ok_or_else(|| self.err(field, format!("must be a non-negative integer, not {v}")))
    }

    /// A non-empty array field.
    pub(super) fn list(&self, field: &str) -> Result<&'a Vec<Value>, DefinitionError> {
        self.m
            .get(field)
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| self.err(field, "must be a non-empty array"))
    }

    /// Checks the fields of a state set nested in this state: a Parallel branch, or a Map's
    /// item processor (which may also have an INLINE `ProcessorConfig`).
    pub(super) fn check_set_fields(
        &self,
        field: &str,
        m: &Map<String, Value>,
        item_processor: bool,
    ) -> Result<(), DefinitionError> {
        for (k, v) in m {
            match k.as_str() {
                "StartAt" | "States" | "Comment" | "QueryLanguage" => {}
                "ProcessorConfig" if item_processor => {
                    // A DISTRIBUTED Map's iterations are child executions of a Map Run
                    // (`distributed::parse` reads the rest of the config).
                    let mode = v.get("Mode").and_then(Value::as_str).unwrap_or("INLINE");
                    if mode != "INLINE" && mode != "DISTRIBUTED" {
                        return Err(self.err(
                            &format!("{field}.ProcessorConfig.Mode"),
                            format!("must be INLINE or DISTRIBUTED, not {mode}"),
                        ));
                    }
                }
                _ => return Err(self.err(&format!("{field}.{k}"), "unsupported field")),
            }
        }
        Ok(())
    }

    /// The states of a branch or item processor, named as inside this state.
    pub(super) fn state_set(&self, m: &Map<String, Value>) -> Result<StateSet, DefinitionError> {
        StateSet::parse(m, self.st(), self.machine_ql)
    }

    pub(super) fn jsonata(&self) -> bool {
        self.ql == QueryLanguage::Jsonata
    }

    /// A JSONata template field (`Arguments`, `Output`, `ItemSelector`, `Items`).
    pub(super) fn jtemplate(&self, field: &str) -> Result<Option<JTemplate>, DefinitionError> {
        self.m
            .get(field)
            .map(|v| self.jtemplate_of(field, v))
            .transpose()
    }

    pub(super) fn jtemplate_of(
        &self,
        field: &str,
        v: &Value,
    ) -> Result<JTemplate, DefinitionError> {
        JTemplate::compile(v).map_err(|(at, e)| self.err(&format!("{field}{at}"), e))
    }

    /// A single `{% %}` expression; `None` when `v` is not one.
    pub(super) fn expr(&self, field: &str, v: &Value) -> Result<Option<Expr>, DefinitionError> {
        match v.as_str().and_then(expression_text) {
            Some(text) => Expr::parse(text).map(Some).map_err(|e| self.err(field, e)),
            None => Ok(None),
        }
    }

    /// A JSONata number field: a positive integer (a non-negative one when `zero_ok`) or an
    /// expression that gives one when the state runs.
    pub(super) fn seconds(
        &self,
        field: &str,
        v: &Value,
        zero_ok: bool,
    ) -> Result<Seconds, DefinitionError> {
        if let Some(e) = self.expr(field, v)? {
            return Ok(Seconds::Jsonata(e));
        }
        Ok(Seconds::Fixed(if zero_ok {
            self.non_negative_int(field, v)?
        } else {
            self.positive_int(field, v)?
        }))
    }

    /// `Assign` of the state or of one of its catchers or rules (`field` names it).
    pub(super) fn assign(
        &self,
        field: &str,
        v: Option<&Value>,
    ) -> Result<Option<Assign>, DefinitionError> {
        let Some(v) = v else { return Ok(None) };
        let m = v
            .as_object()
            .ok_or_else(|| self.err(field, "must be an object of variable names and values"))?;
        Ok(Some(match self.ql {
            QueryLanguage::Jsonata => Assign::Jsonata(
                m.iter()
                    .map(|(k, v)| {
                        super::scope::check_name(k).map_err(|e| self.err(field, e))?;
                        let t = self.jtemplate_of(&format!("{field}/{k}"), v)?;
                        Ok((k.clone(), t))
                    })
                    .collect::<Result<_, DefinitionError>>()?,
            ),
            QueryLanguage::JsonPath => Assign::Path(
                m.iter()
                    .map(|(k, v)| {
                        let name = k.strip_suffix(".$").unwrap_or(k);
                        super::scope::check_name(name).map_err(|e| self.err(field, e))?;
                        let mut one = Map::new();
                        one.insert(k.clone(), v.clone());
                        let t = Template::compile(&Value::Object(one))
                            .map_err(|e| self.err(field, e))?;
                        Ok((name.to_owned(), t))
                    })
                    .collect::<Result<_, DefinitionError>>()?,
            ),
        }))
    }

    /// `ErrorEquals` of a retrier or catcher.
    pub(super) fn error_equals(
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
