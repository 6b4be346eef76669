//! The local stack's own routes, under `/local/`: what stands in for the
//! AWS consoles and APIs beside the jobs API.

use std::fmt::Display;

/// Every route of the local stack's own starts with this.
pub const PREFIX: &str = "/local/";
/// `GET` a job's executions with their history.
pub const EXECUTIONS_ROUTE: &str = "/local/jobs/{jobId}/executions";
/// `GET` the failed-jobs archive.
pub const ARCHIVE: &str = "/local/archive";
/// `POST` starts a replay of the archive.
pub const REPLAYS: &str = "/local/replays";
/// `GET` and `PUT` the fault switches.
pub const FAULTS: &str = "/local/faults";
/// `GET` where the console is.
pub const CONSOLE: &str = "/local/console";

/// The path of a job's executions.
pub fn executions(id: impl Display) -> String {
    format!("{PREFIX}jobs/{id}/executions")
}
