//! AWS adapters: the domain's ports implemented with DynamoDB and Step
//! Functions, plus what every Lambda entrypoint sets up once at init. Only
//! the Lambda binaries depend on this crate.
//!
//! Layout: [`dynamodb`] is the job store (with the sweep's index in its own
//! files), [`sfn`] the workflow starter; [`env`](mod@env), [`logging`] and [`lambda`]
//! are what each function's `main` sets up: configuration, JSON logs and the
//! task runtime loop.

#![warn(unreachable_pub)]

pub mod dynamodb;
pub mod env;
pub mod lambda;
pub mod logging;
pub mod sfn;

pub use dynamodb::DynamoJobStore;
pub use env::{required_var, MissingVar};
pub use sfn::SfnWorkflowStarter;

/// Loads the AWS configuration once, at init: the clients built from it are
/// reused by every invocation of a warm Lambda.
pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// The job store every function uses: the table named by `JOBS_TABLE_NAME`.
pub fn job_store_from_env(config: &aws_config::SdkConfig) -> Result<DynamoJobStore, MissingVar> {
    let table = required_var("JOBS_TABLE_NAME")?;
    Ok(DynamoJobStore::new(
        aws_sdk_dynamodb::Client::new(config),
        table,
    ))
}
