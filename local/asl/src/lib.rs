//! An interpreter for the Amazon States Language (JSONPath query language), for running Step
//! Functions state machines in-process: the definition is checked and compiled at load,
//! executions are async tasks, Task states call a [`TaskHandler`], and the history uses Step
//! Functions' event names and shapes.

pub mod choice;
pub mod definition;
pub mod error;
pub mod executor;
pub mod history;
pub mod intrinsics;
pub mod path;
pub mod retry;
pub mod template;

pub use definition::{substitute, StateMachine};
pub use error::{DefinitionError, Failure, TaskError};
pub use executor::{
    AbortHandle, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor, Resume, TaskContext,
    TaskHandler,
};
pub use history::{EventType, HistoryEvent, HistorySink};
