//! `get JOB_ID`: the job as the API answers it, the same call on the local
//! stack and on AWS.

use std::process::ExitCode;

use http::Method;
use jobs_domain::{JobId, JobView};
use jobs_wire::api;

use crate::output::Output;
use crate::render;
use crate::target::Target;

pub(super) async fn run(
    target: &Target,
    id: JobId,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let job = job(target, id).await?;
    writeln!(output.out, "{}", render::job_json(&job))?;
    Ok(ExitCode::SUCCESS)
}

/// `GET` the job.
pub(super) async fn job(target: &Target, id: JobId) -> anyhow::Result<JobView> {
    Ok(target
        .api
        .call(Method::GET, &api::job(id), &[], None, &[])
        .await?
        .json()?)
}
