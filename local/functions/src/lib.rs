//! The workflow functions built into the local stack, by crate. Written by `jobs generate` from lambdas/functions.json and examples/functions.json: edit those, not this file.

use std::sync::Arc;

use jobs_domain::function::{FunctionEnv, WorkflowFunction};

/// The crates of the functions built in.
pub const BUILT_IN: &[&str] = &[
    "jobs-processor",
    "jobs-error-handler",
    "jobs-notify-function",
];

/// The function of crate `name` over `env`, or `None` when it is not built in.
pub fn function(name: &str, env: &FunctionEnv) -> Option<Arc<dyn WorkflowFunction>> {
    match name {
        "jobs-processor" => Some(jobs_processor::local(env)),
        "jobs-error-handler" => Some(jobs_error_handler::local(env)),
        "jobs-notify-function" => Some(jobs_notify_function::local(env)),
        _ => None,
    }
}
