//! `submit`, and `submit --wait`: polling the job until it is final. The
//! same calls on the local stack and on AWS; only the local stack can tell
//! a job whose workflow ended without recording it.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use http::Method;
use jobs_asl::ExecutionStatus;
use jobs_domain::{JobId, JobStatus, JobView};
use jobs_wire::api::{self, Accepted};

use super::{console, get, history};
use crate::api::json_body;
use crate::args::SubmitArgs;
use crate::output::Output;
use crate::params::Model;
use crate::progress::Progress;
use crate::render;
use crate::target::Target;

pub(super) async fn run(
    target: &Target,
    submit: SubmitArgs,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let model = Model::of_the_api();
    if submit.help_params {
        write!(output.out, "{}", model.describe())?;
        return Ok(ExitCode::SUCCESS);
    }
    let body = model.document(
        submit.params.as_deref(),
        submit.params_file.as_deref(),
        &submit.pairs,
    )?;
    let headers: Vec<(&str, &str)> = submit
        .idempotency_key
        .as_deref()
        .map(|key| (api::IDEMPOTENCY_KEY, key))
        .into_iter()
        .collect();
    let created = target
        .api
        .call(Method::POST, api::JOBS, &[], json_body(&body), &headers)
        .await?;
    let Accepted { id } = created.json()?;
    let link = console::job_link(target, &id).await;
    if !submit.wait {
        writeln!(output.out, "{id}")?;
        if let Some(location) = created.header(http::header::LOCATION) {
            writeln!(output.err, "location: {location}")?;
        }
        if let Some(link) = link {
            writeln!(output.err, "console: {link}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(link) = link {
        writeln!(output.err, "console: {link}")?;
    }
    let job = wait_for(target, id, &submit, output).await?;
    writeln!(output.out, "{}", render::job_json(&job))?;
    Ok(if job.status == JobStatus::Success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Polls the job until it is final, reporting each status change.
async fn wait_for(
    target: &Target,
    id: JobId,
    submit: &SubmitArgs,
    output: &mut Output<'_>,
) -> anyhow::Result<JobView> {
    const TICK: Duration = Duration::from_millis(100);
    let poll_every = Duration::from_millis(submit.poll_interval_ms.max(10));
    let give_up = Duration::from_secs(submit.wait_timeout);
    let started = Instant::now();
    let mut progress = Progress::new(&mut *output.err, output.err_is_tty);
    progress.message(&format!("job {id} submitted, waiting for it to finish"));
    for poll in 0u64.. {
        let job = match get::job(target, id).await {
            Ok(job) => job,
            Err(error) => {
                progress.finish();
                return Err(error);
            }
        };
        progress.status(job.status.as_str(), started.elapsed());
        if job.status.is_final() {
            progress.finish();
            return Ok(job);
        }
        // A job whose failure could not be recorded stays Queued or Running
        // until a replay: the local stack can tell, so say so rather than
        // wait for nothing.
        if poll % 4 == 3 && target.is_local() {
            if let Some(ended) = ended_execution(target, id).await {
                let job = get::job(target, id).await?;
                progress.status(job.status.as_str(), started.elapsed());
                progress.finish();
                if job.status.is_final() {
                    return Ok(job);
                }
                anyhow::bail!(
                    "job {id} is still {} but its workflow has ended ({ended}): \
                     its failure went to the failed-jobs archive. See `history {id}` and \
                     `archive`; once the cause is fixed (e.g. `faults --error-handler-writes ok`), \
                     `replay` runs it again",
                    job.status.as_str()
                );
            }
        }
        if started.elapsed() >= give_up {
            progress.finish();
            anyhow::bail!(
                "gave up waiting after {}s; job {id} is still {}: check it later with `get {id}`",
                submit.wait_timeout,
                job.status.as_str()
            );
        }
        let next_poll = Instant::now() + poll_every;
        if output.err_is_tty {
            while Instant::now() < next_poll {
                progress.tick(started.elapsed());
                tokio::time::sleep(TICK.min(next_poll.saturating_duration_since(Instant::now())))
                    .await;
            }
        } else {
            tokio::time::sleep(poll_every).await;
        }
    }
    unreachable!("the poll loop only ends by returning")
}

/// The last execution of the job when none is running any more, as
/// `STATUS error`; `None` while one runs, before the first one starts, or if
/// the executions cannot be read (this is only a diagnosis).
async fn ended_execution(target: &Target, id: JobId) -> Option<String> {
    let executions = history::local_executions(target, id).await.ok()?;
    if executions.is_empty()
        || executions
            .iter()
            .any(|e| e.status == ExecutionStatus::Running)
    {
        return None;
    }
    let last = executions.last()?;
    let error = last.error.as_deref().unwrap_or("");
    Some(
        format!("{} {error}", last.status.as_str())
            .trim()
            .to_owned(),
    )
}
