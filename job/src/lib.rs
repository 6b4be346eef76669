//! The job this system runs. Everything else follows from the types and
//! constants here: the request model API Gateway and the local gateway
//! validate with (derived from [`Parameters`]), the OpenAPI and Postman
//! bodies, the console's form, the CLI's `key=value` typing, and the time
//! limits of the processor, the workflow and the sweeper.
//!
//! To make the system do your work, replace this crate (keep the package
//! name and the [`Job`] type) and run `cargo run -p jobs -- generate`: see
//! "Make it yours" in the README.
//!
//! The sample job works for `seconds` seconds and records
//! `{"message": "I slept for N seconds"}`. It accepts up to a day, so that a
//! job the workflow cannot run reaches the failure path (`JobTooLong`)
//! rather than bouncing at the door: that is how to try the failure path.

#![warn(unreachable_pub)]

use std::time::Duration;

use jobs_domain::work::{JobFailure, Limits, RunContext, Work};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tracing::{info, Instrument};

/// The most a client may ask for; more is refused with a 400.
const MAX_ACCEPTED_SECONDS: u64 = 86_400;

/// The longest the job may run: the Express workflow's 5 minutes leave room
/// for the task timeout's margin and the failure path after it.
const TIME_LIMIT_SECONDS: u64 = 180;

/// What a client asks the sample job to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "CreateJobRequest",
    description = "Body of POST /jobs: how long the sample job works."
)]
pub struct Parameters {
    /// How long the job works, in whole seconds. More than 180 takes the failure path (JobTooLong).
    #[schemars(range(min = 1, max = 86_400))]
    pub seconds: u64,
}

/// What the sample job records when it succeeds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Results {
    pub message: String,
}

/// The job: the one type the rest of the system is built around.
#[derive(Clone, Copy, Debug, Default)]
pub struct Job;

impl Work for Job {
    type Parameters = Parameters;
    type Results = Results;

    const LIMITS: Limits = Limits {
        time: Duration::from_secs(TIME_LIMIT_SECONDS),
        // A valid body is a few dozen bytes; the limit keeps a hostile
        // client from making the parser do real work.
        body_bytes: 1024,
        result_bytes: 1024,
    };

    fn example() -> Parameters {
        Parameters { seconds: 3 }
    }

    fn validate(parameters: &Parameters) -> Result<(), String> {
        if (1..=MAX_ACCEPTED_SECONDS).contains(&parameters.seconds) {
            Ok(())
        } else {
            Err(format!(
                "seconds must be a whole number from 1 to {MAX_ACCEPTED_SECONDS}, got {}",
                parameters.seconds
            ))
        }
    }

    fn admit(parameters: &Parameters) -> Result<(), JobFailure> {
        if parameters.seconds > TIME_LIMIT_SECONDS {
            return Err(JobFailure::new(
                "JobTooLong",
                format!(
                    "seconds is {}, but a job can run for at most {TIME_LIMIT_SECONDS} seconds (the workflow must finish within the 5-minute Express limit)",
                    parameters.seconds
                ),
            ));
        }
        Ok(())
    }

    async fn run(
        &self,
        context: RunContext,
        parameters: Parameters,
    ) -> Result<Results, JobFailure> {
        let seconds = parameters.seconds;
        async move {
            info!(seconds, "working");
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            Ok(Results {
                message: format!("I slept for {seconds} seconds"),
            })
        }
        .instrument(context.span)
        .await
    }
}

#[cfg(test)]
mod tests;
