//! The console: jobs, their executions drawn as in the Step Functions
//! console, the failed-jobs archive with replay, and the fault switches, in
//! a browser, from the same store the CLI reads.

pub mod graph;
pub mod outline;
pub mod states;
pub mod views;
