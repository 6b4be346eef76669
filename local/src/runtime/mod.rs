//! The workflow runtime: `statemachine/jobs.asl.json` (or another definition
//! given at start) run by the embedded interpreter, executions recorded in
//! SQLite, tasks served in-process.

pub mod executions;
pub mod tasks;
pub mod workflow;

pub use executions::Runtime;
pub use tasks::LocalTasks;
pub use workflow::Workflow;
