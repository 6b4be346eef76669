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

/// `GET` one execution (a Map Run's child too) with its history, by name.
pub const EXECUTION_ROUTE: &str = "/local/executions/{name}";
/// `GET` a Map Run with a page (`?page=N`, from 1) of its child executions.
pub const MAP_RUN_ROUTE: &str = "/local/map-runs/{mapRunId}";

/// The path of one execution.
pub fn execution(name: impl Display) -> String {
    format!("{PREFIX}executions/{name}")
}

/// The path of a Map Run, by its id (the last part of its ARN).
pub fn map_run(id: impl Display) -> String {
    format!("{PREFIX}map-runs/{id}")
}

/// The path of a job's executions.
pub fn executions(id: impl Display) -> String {
    format!("{PREFIX}jobs/{id}/executions")
}

/// `POST` [`TaskSuccess`]: a waiting callback task succeeds (SendTaskSuccess).
pub const TASK_SUCCESS: &str = "/local/tasks/success";
/// `POST` [`TaskFailure`]: a waiting callback task fails (SendTaskFailure).
pub const TASK_FAILURE: &str = "/local/tasks/failure";
/// `POST` [`TaskHeartbeat`]: a waiting callback task is alive (SendTaskHeartbeat).
pub const TASK_HEARTBEAT: &str = "/local/tasks/heartbeat";

/// The body of [`TASK_SUCCESS`]; `output` is JSON text, as SendTaskSuccess takes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSuccess {
    pub task_token: String,
    pub output: String,
}

/// The body of [`TASK_FAILURE`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskFailure {
    pub task_token: String,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub cause: String,
}

/// The body of [`TASK_HEARTBEAT`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskHeartbeat {
    pub task_token: String,
}
