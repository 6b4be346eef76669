//! Each command, on the local stack or a deployed one.

use std::process::ExitCode;

use chrono::Utc;
use http::Method;
use jobs_domain::job::timestamp;
use jobs_domain::JobId;
use jobs_wire::{
    ArchiveListing, ConsoleLink, FaultSettings, FaultUpdate, JobExecutions, ReplayRequest,
    ReplayView,
};

use crate::api::json_body;
use crate::args::{ClientCommand, ReplayArgs};
use crate::errors::local_only;
use crate::target::{needs_stack, Home, Target};
use crate::{render, wait, Output};

fn job_id(text: &str) -> anyhow::Result<JobId> {
    Ok(text.trim().parse::<JobId>()?)
}

/// Runs one command on `target`, writing to `output`. Exit code 0, or 1 for
/// `submit --wait` on a job that failed and a replay that did not complete.
pub async fn run_with(
    target: &Target,
    cmd: ClientCommand,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    match cmd {
        ClientCommand::Submit(submit) => wait::submit(target, submit, output).await,
        ClientCommand::Get { job_id: id } => {
            let job = wait::get_job(target, job_id(&id)?).await?;
            writeln!(output.out, "{}", render::job_json(&job))?;
            Ok(ExitCode::SUCCESS)
        }
        ClientCommand::History { job_id: id, json } => {
            let id = job_id(&id)?;
            match &target.home {
                Home::Local => local_history(target, id, json, output).await,
                Home::DeployedApi => Err(needs_stack("history").into()),
                #[cfg(feature = "aws")]
                Home::Stack(deployed) => crate::aws::history::run(deployed, id, json, output).await,
            }
        }
        ClientCommand::Archive { from, to, json } => match &target.home {
            Home::Local => local_archive(target, from, to, json, output).await,
            Home::DeployedApi => Err(needs_stack("archive").into()),
            #[cfg(feature = "aws")]
            Home::Stack(deployed) => {
                if from.is_some() || to.is_some() {
                    anyhow::bail!(
                        "EventBridge cannot list archived events, so `archive` on AWS takes no \
                         --from/--to: run it without them, or `replay --from ... --to ...` to \
                         send a window's events through the workflow again"
                    );
                }
                crate::aws::archive::run(deployed, json, output).await
            }
        },
        ClientCommand::Replay(replay) => match &target.home {
            Home::Local => local_replay(target, replay, output).await,
            Home::DeployedApi => Err(needs_stack("replay").into()),
            #[cfg(feature = "aws")]
            Home::Stack(deployed) => {
                let ctrl_c = async {
                    // Without a signal handler, never cancel.
                    if tokio::signal::ctrl_c().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                };
                crate::aws::replay::run(deployed, replay, output, ctrl_c).await
            }
        },
        ClientCommand::Faults {
            error_handler_writes,
            processor_writes,
        } => {
            if !target.is_local() {
                return Err(local_only("faults", target.api.endpoint()).into());
            }
            let update = FaultUpdate {
                error_handler_store_writes: error_handler_writes.map(Into::into),
                processor_store_writes: processor_writes.map(Into::into),
            };
            // The stack takes either switch alone; the other keeps its value.
            let response = if update.is_empty() {
                target
                    .api
                    .call(Method::GET, "/local/faults", &[], None, &[])
                    .await?
            } else {
                let body = json_body(&update);
                target
                    .api
                    .call(Method::PUT, "/local/faults", &[], body, &[])
                    .await?
            };
            let faults: FaultSettings = response.json()?;
            writeln!(output.out, "{}", render::pretty(&faults))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn local_history(
    target: &Target,
    id: JobId,
    json: bool,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let path = format!("/local/jobs/{id}/executions");
    let response = target.api.call(Method::GET, &path, &[], None, &[]).await?;
    if json {
        writeln!(output.out, "{}", render::pretty(&response.raw()?))?;
    } else {
        let history: JobExecutions = response.json()?;
        write!(output.out, "{}", render::timeline(&history.executions))?;
    }
    if let Some(link) = console_link(target, &id).await {
        writeln!(output.err, "console: {link}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The job's page in the local stack's console, opened with its token;
/// `None` for a deployed stack, or a local one without a console.
pub async fn console_link(target: &Target, id: &JobId) -> Option<String> {
    if !target.is_local() {
        return None;
    }
    let response = target
        .api
        .call(Method::GET, "/local/console", &[], None, &[])
        .await
        .ok()?;
    let link: ConsoleLink = response.json().ok()?;
    Some(link.job(&id.to_string()))
}

/// `jobs local console`: the URL that opens the local stack's console (with
/// the token it made at start), for whoever holds its credentials.
pub async fn console_url(target: &Target) -> anyhow::Result<String> {
    if !target.is_local() {
        return Err(local_only("local console", target.api.endpoint()).into());
    }
    let response = target
        .api
        .call(Method::GET, "/local/console", &[], None, &[])
        .await?;
    let link: ConsoleLink = response.json()?;
    Ok(link.url)
}

async fn local_archive(
    target: &Target,
    from: Option<chrono::DateTime<Utc>>,
    to: Option<chrono::DateTime<Utc>>,
    json: bool,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    // An open bound is left to the stack: from the beginning, until now.
    let from = from.map(|at| timestamp(&at));
    let to = to.map(|at| timestamp(&at));
    let query: Vec<(&str, &str)> = [("from", &from), ("to", &to)]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
        .collect();
    let response = target
        .api
        .call(Method::GET, "/local/archive", &query, None, &[])
        .await?;
    if json {
        writeln!(output.out, "{}", render::pretty(&response.raw()?))?;
    } else {
        let archive: ArchiveListing = response.json()?;
        write!(output.out, "{}", render::archive_table(&archive))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The body of a local replay: the window, with no `to` when none was given
/// so that the stack replays up to its own now and an event archived this
/// very moment is not missed.
pub fn local_replay_request(replay: &ReplayArgs) -> anyhow::Result<ReplayRequest> {
    let (from, to) = replay.window(Utc::now())?;
    Ok(ReplayRequest {
        name: replay.name.clone(),
        from: Some(timestamp(&from)),
        to: to.map(|to| timestamp(&to)),
    })
}

async fn local_replay(
    target: &Target,
    replay: ReplayArgs,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let request = local_replay_request(&replay)?;
    let body = json_body(&request);
    let done: ReplayView = target
        .api
        .call(Method::POST, "/local/replays", &[], body, &[])
        .await?
        .json()?;
    let count = done.events_replayed;
    writeln!(
        output.out,
        "{count} event{} replayed by {} (archived from {} {})",
        if count == 1 { "" } else { "s" },
        done.replay_name,
        request.from.as_deref().unwrap_or("the beginning"),
        request
            .to
            .as_deref()
            .map_or("until now".to_owned(), |to| format!("to {to}"))
    )?;
    if count > 0 {
        writeln!(
            output.err,
            "follow a replayed job with `history JOB_ID` or `get JOB_ID`"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
