//! `replay`: failed jobs from the archive through the workflow again. The
//! local stack replays a window at once and says how many events it sent; on
//! AWS, EventBridge StartReplay of the failed-jobs archive to its bus,
//! filtered to the replay rule, then DescribeReplay until it ends (Ctrl-C
//! cancels it).

use std::process::ExitCode;

use chrono::Utc;
use http::Method;
use jobs_domain::job::timestamp;
use jobs_wire::{local, ReplayRequest, ReplayView};

use crate::api::json_body;
use crate::args::ReplayArgs;
use crate::output::Output;
use crate::target::{needs_stack, Home, Target};

pub(super) async fn run(
    target: &Target,
    replay: ReplayArgs,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    match &target.home {
        Home::Local => run_local(target, replay, output).await,
        Home::DeployedApi => Err(needs_stack("replay").into()),
        #[cfg(feature = "aws")]
        Home::Stack(deployed) => {
            let ctrl_c = async {
                // Without a signal handler, never cancel.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            aws::run(deployed, replay, output, ctrl_c).await
        }
    }
}

/// The body of a local replay: the window, with no `to` when none was given
/// so that the stack replays up to its own now and an event archived this
/// very moment is not missed.
fn local_request(replay: &ReplayArgs) -> anyhow::Result<ReplayRequest> {
    let (from, to) = replay.window(Utc::now())?;
    Ok(ReplayRequest {
        name: replay.name.clone(),
        from: Some(timestamp(&from)),
        to: to.map(|to| timestamp(&to)),
    })
}

async fn run_local(
    target: &Target,
    replay: ReplayArgs,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let request = local_request(&replay)?;
    let body = json_body(&request);
    let done: ReplayView = target
        .api
        .call(Method::POST, local::REPLAYS, &[], body, &[])
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

/// The AWS side: StartReplay, DescribeReplay until it ends, CancelReplay on
/// Ctrl-C.
#[cfg(feature = "aws")]
pub mod aws {
    use std::future::Future;
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    use aws_sdk_eventbridge::types::ReplayDestination;
    use chrono::{DateTime, Utc};
    use jobs_wire::ReplayState;

    use crate::args::ReplayArgs;
    use crate::aws::errors::{self, AwsError, AwsErrorKind};
    use crate::aws::{chrono_time, outputs, sdk_time, Deployed};
    use crate::output::Output;
    use crate::render;

    const NO_COUNT: &str = "EventBridge does not report how many events a replay sent; \
    follow each replayed job with `jobs history JOB_ID` or `jobs get JOB_ID`.";

    /// What StartReplay is asked for.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct ReplayPlan {
        name: String,
        archive_arn: String,
        bus_arn: String,
        rule_arn: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    }

    impl ReplayPlan {
        /// The plan for `args` on this stack, as of `now`: the window defaults
        /// to the last 24 hours, the name to `jobs-replay-<UTC time>`.
        fn new(deployed: &Deployed, args: &ReplayArgs, now: DateTime<Utc>) -> anyhow::Result<Self> {
            let (from, to) = args.window(now)?;
            let name = match args.name.as_deref().map(str::trim) {
                Some(name) if !name.is_empty() => name.to_owned(),
                _ => format!("jobs-replay-{}", now.format("%Y%m%dT%H%M%SZ")),
            };
            let out = &deployed.outputs;
            Ok(Self {
                name,
                archive_arn: out.get(outputs::ARCHIVE_ARN)?.to_owned(),
                bus_arn: out.get(outputs::BUS_ARN)?.to_owned(),
                rule_arn: out.get(outputs::REPLAY_RULE_ARN)?.to_owned(),
                from,
                to: to.unwrap_or(now),
            })
        }
    }

    /// A DescribeReplay answer, as far as the command uses it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct ReplayStatus {
        state: Option<ReplayState>,
        /// The state as EventBridge spelled it (for a state this build does not
        /// know).
        state_text: String,
        reason: Option<String>,
        started: Option<DateTime<Utc>>,
        ended: Option<DateTime<Utc>>,
        last_replayed: Option<DateTime<Utc>>,
    }

    async fn start(deployed: &Deployed, plan: &ReplayPlan) -> Result<(), AwsError> {
        let destination = ReplayDestination::builder()
            .arn(&plan.bus_arn)
            .filter_arns(&plan.rule_arn)
            .build()
            .map_err(|e| AwsError::new(AwsErrorKind::Other, e.to_string(), None))?;
        deployed
            .clients
            .events
            .start_replay()
            .replay_name(&plan.name)
            .description("jobs replay: failed jobs through the workflow again")
            .event_source_arn(&plan.archive_arn)
            .destination(destination)
            .event_start_time(sdk_time(plan.from))
            .event_end_time(sdk_time(plan.to))
            .send()
            .await
            .map_err(|e| {
                let mut error = errors::from_sdk("events:StartReplay", &plan.archive_arn, e);
                if error.kind == AwsErrorKind::AlreadyExists {
                    error.hint = Some(format!(
                        "a replay named {} exists already (EventBridge keeps replay names for 90 \
                         days): pick another --name, or leave it out",
                        plan.name
                    ));
                }
                error
            })?;
        Ok(())
    }

    async fn describe(deployed: &Deployed, name: &str) -> Result<ReplayStatus, AwsError> {
        let found = deployed
            .clients
            .events
            .describe_replay()
            .replay_name(name)
            .send()
            .await
            .map_err(|e| errors::from_sdk("events:DescribeReplay", name, e))?;
        let state_text = found
            .state()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        Ok(ReplayStatus {
            state: ReplayState::parse(&state_text),
            state_text,
            reason: found
                .state_reason()
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            started: found.replay_start_time().and_then(chrono_time),
            ended: found.replay_end_time().and_then(chrono_time),
            last_replayed: found.event_last_replayed_time().and_then(chrono_time),
        })
    }

    async fn cancel(deployed: &Deployed, name: &str) -> Result<(), AwsError> {
        deployed
            .clients
            .events
            .cancel_replay()
            .replay_name(name)
            .send()
            .await
            .map_err(|e| errors::from_sdk("events:CancelReplay", name, e))?;
        Ok(())
    }

    fn when(at: &Option<DateTime<Utc>>) -> String {
        at.as_ref().map_or("-".to_owned(), render::time)
    }

    /// The final report on stdout.
    fn summary(plan: &ReplayPlan, status: &ReplayStatus) -> String {
        let mut out = format!("Replay {}  {}\n", plan.name, status.state_text);
        if let Some(reason) = &status.reason {
            out.push_str(&format!("  reason         {reason}\n"));
        }
        out.push_str(&format!(
            "  window         events archived from {} to {}\n",
            render::time(&plan.from),
            render::time(&plan.to)
        ));
        out.push_str(&format!(
            "  replay         started {}  ended {}\n",
            when(&status.started),
            when(&status.ended)
        ));
        out.push_str(&format!(
            "  last replayed  {}\n",
            when(&status.last_replayed)
        ));
        out.push_str(&format!("{NO_COUNT}\n"));
        out
    }

    /// Starts the replay and follows it to its end, with a line on stderr for
    /// each state it goes through. When `stop` resolves (Ctrl-C), the replay
    /// is cancelled and followed until EventBridge says it stopped. Exit code 0
    /// when it completed, 1 when it failed or was cancelled.
    pub async fn run(
        deployed: &Deployed,
        args: ReplayArgs,
        output: &mut Output<'_>,
        stop: impl Future<Output = ()>,
    ) -> anyhow::Result<ExitCode> {
        let plan = ReplayPlan::new(deployed, &args, Utc::now())?;
        start(deployed, &plan).await?;
        writeln!(
            output.err,
            "replay {} started: events archived from {} to {}, from {} to the replay rule {}",
            plan.name,
            render::time(&plan.from),
            render::time(&plan.to),
            plan.archive_arn,
            plan.rule_arn
        )?;
        let poll_every = Duration::from_millis(args.poll_interval_ms.max(1));
        let began = Instant::now();
        let mut stop = std::pin::pin!(stop);
        let mut cancelled = false;
        let mut last_state = String::new();
        let status = loop {
            let status = describe(deployed, &plan.name).await?;
            if status.state_text != last_state {
                writeln!(
                    output.err,
                    "{:>7.1}s  {}{}",
                    began.elapsed().as_secs_f64(),
                    status.state_text,
                    status
                        .last_replayed
                        .map(|at| format!(" (last replayed event from {})", render::time(&at)))
                        .unwrap_or_default()
                )?;
                last_state.clone_from(&status.state_text);
            }
            if status.state.is_some_and(ReplayState::is_final) {
                break status;
            }
            if cancelled {
                tokio::time::sleep(poll_every).await;
                continue;
            }
            tokio::select! {
                biased;
                () = &mut stop => {
                    writeln!(output.err, "cancelling replay {} (CancelReplay)", plan.name)?;
                    // A replay that ended meanwhile cannot be cancelled: say so,
                    // and report how it ended.
                    if let Err(e) = cancel(deployed, &plan.name).await {
                        writeln!(output.err, "could not cancel: {e}")?;
                    }
                    cancelled = true;
                }
                () = tokio::time::sleep(poll_every) => {}
            }
        };
        write!(output.out, "{}", summary(&plan, &status))?;
        Ok(match status.state {
            Some(ReplayState::Completed) => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        })
    }
}
