//! Errors raised while loading a definition and while running one.

use std::fmt;

/// A definition that cannot be run. Names the state (when the problem is inside one) and
/// the field, so the author can find it without reading the interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub state: Option<String>,
    pub field: String,
    pub message: String,
}

impl DefinitionError {
    pub(crate) fn new(state: Option<&str>, field: &str, message: impl Into<String>) -> Self {
        DefinitionError {
            state: state.map(str::to_owned),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            Some(s) => write!(
                f,
                "state \"{s}\": field \"{}\": {}",
                self.field, self.message
            ),
            None => write!(f, "field \"{}\": {}", self.field, self.message),
        }
    }
}

impl std::error::Error for DefinitionError {}

/// What a task handler returns when the task fails; `error` is the name that Retry and Catch
/// match against (e.g. `Lambda.ServiceException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    pub error: String,
    pub cause: String,
}

impl TaskError {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskError {
            error: error.into(),
            cause: cause.into(),
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.cause)
    }
}

impl std::error::Error for TaskError {}

/// Well-known error names from the States Language.
pub(crate) mod names {
    pub(crate) const ALL: &str = "States.ALL";
    pub(crate) const TASK_FAILED: &str = "States.TaskFailed";
    pub(crate) const TIMEOUT: &str = "States.Timeout";
    pub(crate) const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub(crate) const RUNTIME: &str = "States.Runtime";
    pub(crate) const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub(crate) const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    pub(crate) const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
}

/// A failure while running: an error name and a cause, as Step Functions reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    pub cause: String,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure {
            error: error.into(),
            cause: cause.into(),
        }
    }

    pub fn runtime(cause: impl Into<String>) -> Self {
        Failure::new(names::RUNTIME, cause)
    }

    /// The error output a catcher passes on, `{"Error", "Cause"}`; an error or cause that a
    /// task left out is null there, as on AWS.
    pub(crate) fn error_output(&self) -> serde_json::Value {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        serde_json::json!({"Error": text(&self.error), "Cause": text(&self.cause)})
    }
}

impl From<TaskError> for Failure {
    fn from(e: TaskError) -> Self {
        Failure {
            error: e.error,
            cause: e.cause,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.cause)
    }
}
