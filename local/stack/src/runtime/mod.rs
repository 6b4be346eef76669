//! The workflow runtime: `statemachine/jobs.asl.json` run by the embedded
//! interpreter, executions recorded in SQLite, tasks served in-process.

pub mod executions;
pub mod tasks;

pub use executions::{load_definition, load_machine, Runtime};
pub use tasks::LocalTasks;
