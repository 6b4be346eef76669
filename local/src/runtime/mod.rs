//! The workflow runtime: `statemachine/jobs.asl.json` (or another definition
//! given at start) run by the embedded interpreter, executions recorded in
//! SQLite, tasks served in-process.

pub(crate) mod callbacks;
mod children;
pub(crate) mod executions;
mod resume;
pub mod tasks;
pub(crate) mod workflow;

pub use callbacks::StackCallbacks;
pub(crate) use executions::Runtime;
pub use executions::WORKFLOW_ROLE_ARN;
pub use tasks::LocalTasks;
pub(crate) use workflow::Workflow;
