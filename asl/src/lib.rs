//! An interpreter for the Amazon States Language (JSONPath query language), for running Step
//! Functions state machines in-process: the definition is checked and compiled at load,
//! executions are async tasks, Task states call a [`TaskHandler`], and the history uses Step
//! Functions' event names and shapes.
//!
//! Layout: `definition` checks and compiles a definition at load (one parser per state kind);
//! `executor` runs it (the run loop, each state kind, retry and catch, Map, Parallel);
//! `path` (JSONPath), `intrinsics` (`States.*` functions), `template` (Parameters and
//! ResultSelector) and `choice` (Choice rules) are the JSONPath language; `jsonata` is the
//! JSONata one; `retry` holds back-off; `error` the error names and types; `history`
//! Step Functions' history events; `mock` the mocked tasks of `jobs workflow run`;
//! `workflow_type` what EXPRESS and STANDARD state machines may hold.
//!
//! ```
//! use jobs_asl::{ExecutionSpec, ExecutionStatus, Executor, StateMachine, TaskContext, TaskError, TaskHandler};
//! use serde_json::{json, Value};
//! use std::sync::Arc;
//!
//! struct Double;
//!
//! #[async_trait::async_trait]
//! impl TaskHandler for Double {
//!     async fn invoke(&self, _resource: &str, input: Value, _ctx: &TaskContext) -> Result<Value, TaskError> {
//!         let n = input["n"].as_i64().ok_or_else(|| TaskError::new("BadInput", "n is not a number"))?;
//!         Ok(json!({"n": n * 2}))
//!     }
//! }
//!
//! let machine = StateMachine::from_json(r#"{
//!   "StartAt": "Work",
//!   "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
//!                       "ResultPath": "$.doubled", "End": true}}
//! }"#).unwrap();
//! let executor = Executor::new(Arc::new(machine), Arc::new(Double));
//! let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
//! let result = rt.block_on(executor.run(
//!     ExecutionSpec::new("run-1", "arn:aws:states:local:0:execution:demo:run-1", json!({"n": 21})).with_history(),
//! ));
//! assert_eq!(result.status, ExecutionStatus::Succeeded);
//! assert_eq!(result.output.unwrap(), json!({"n": 21, "doubled": {"n": 42}}));
//! assert_eq!(result.path, ["Work"]);
//! assert_eq!(result.history.len(), 7);
//! ```

#![warn(unreachable_pub)]

mod choice;
mod definition;
mod error;
mod executor;
pub mod history;
mod intrinsics;
mod jsonata;
pub mod mock;
mod path;
mod retry;
mod template;
mod workflow_type;

pub use definition::{substitute, StateMachine};
pub use error::{DefinitionError, Failure, TaskError};
pub use executor::{
    AbortHandle, CallbackError, Callbacks, ChildExecution, ChildExecutions, ChildPlan, DirObjects,
    ExecutionResult, ExecutionSpec, ExecutionStatus, Executor, MapRunInfo, MemoryCallbacks,
    ObjectError, ObjectInfo, ObjectSource, Resume, ResumedWait, Signal, TaskContext, TaskHandler,
    TokenOwner, WaitingTask, ENDED_TOKENS_KEPT,
};
pub use history::{EventType, HistoryEvent, HistorySink};
pub use workflow_type::{
    Refusal, RefusalKind, WorkflowType, EXPRESS_MAX_SECONDS, STANDARD_MAX_SECONDS,
};

/// The parsers and evaluators under the executor, for the fuzz targets and the differential
/// tests: not a stable interface.
#[doc(hidden)]
pub mod internals {
    pub use crate::intrinsics::Intrinsic;
    pub use crate::jsonata::{states_value, Expr, Site};
    pub use crate::path::{Path, VarSource};
    pub use crate::template::Template;
}
