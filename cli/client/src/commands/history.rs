//! `history JOB_ID`: the job's workflow executions as a timeline, or the
//! raw events with `--json`. The local stack serves them with their history.
//! On AWS the state machine's type decides: EXPRESS executions have no
//! GetExecutionHistory, so they are read from the workflow's log group, where
//! the state machine logs every event (level ALL, with execution data);
//! STANDARD ones are read with GetExecutionHistory (`standard`).

#[cfg(feature = "aws")]
mod express_log;
#[cfg(feature = "aws")]
mod log_group;
#[cfg(feature = "aws")]
mod standard;

use std::process::ExitCode;

use http::Method;
use jobs_domain::JobId;
use jobs_wire::{local, ExecutionView, JobExecutions};

use super::console;
use crate::errors::ApiError;
use crate::output::Output;
use crate::render;
use crate::target::{needs_stack, Home, Target};

pub(super) async fn run(
    target: &Target,
    id: JobId,
    json: bool,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    match &target.home {
        Home::Local => run_local(target, id, json, output).await,
        Home::DeployedApi => Err(needs_stack("history").into()),
        #[cfg(feature = "aws")]
        Home::Stack(deployed) => aws::run(deployed, id, json, output).await,
    }
}

async fn run_local(
    target: &Target,
    id: JobId,
    json: bool,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let response = target
        .api
        .call(Method::GET, &local::executions(id), &[], None, &[])
        .await?;
    if json {
        writeln!(output.out, "{}", render::pretty(&response.raw()?))?;
    } else {
        let history: JobExecutions = response.json()?;
        write!(output.out, "{}", render::timeline(&history.executions))?;
    }
    if let Some(link) = console::job_link(target, &id).await {
        writeln!(output.err, "console: {link}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The job's executions in the local stack, oldest first.
pub(super) async fn local_executions(
    target: &Target,
    id: JobId,
) -> Result<Vec<ExecutionView>, ApiError> {
    let history: JobExecutions = target
        .api
        .call(Method::GET, &local::executions(id), &[], None, &[])
        .await?
        .json()?;
    Ok(history.executions)
}

/// The AWS side: the workflow's CloudWatch log group, or, on a STANDARD
/// state machine, its executions' histories.
#[cfg(feature = "aws")]
pub mod aws {
    use std::process::ExitCode;

    use jobs_domain::JobId;
    use serde::Serialize;
    use serde_json::Value;

    use aws_sdk_sfn::types::StateMachineType;

    use super::express_log::Executions;
    use super::log_group::{filter_all, term};
    use crate::aws::errors::{self, AwsError};
    use crate::aws::{links, outputs, Deployed};
    use crate::output::Output;
    use crate::render;

    /// How long the log group keeps events: `None` for ever.
    async fn retention_days(
        logs: &aws_sdk_cloudwatchlogs::Client,
        group: &str,
    ) -> Result<Option<i32>, AwsError> {
        let found = logs
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .map_err(|e| errors::from_sdk("logs:DescribeLogGroups", group, e))?;
        let group = found
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group))
            .ok_or_else(|| {
                AwsError::new(
                    errors::AwsErrorKind::NotFound,
                    format!("the workflow's log group {group} does not exist"),
                    Some(
                        "the stack's StateMachineLogGroupName output names it; check the region, \
                         or deploy the stack again with scripts/deploy.sh"
                            .to_owned(),
                    ),
                )
            })?;
        Ok(group.retention_in_days())
    }

    fn kept_for(days: Option<i32>) -> String {
        match days {
            Some(1) => "1 day".to_owned(),
            Some(days) => format!("{days} days"),
            None => "for ever (no retention set)".to_owned(),
        }
    }

    /// The raw events, for `--json`.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct RawHistory<'a> {
        log_group_name: &'a str,
        retention_in_days: Option<i32>,
        events: Vec<Value>,
    }

    /// The state machine's type, as Step Functions describes it: the stack
    /// option that chose it may have been changed since the CLI was built.
    async fn workflow_type(
        sfn: &aws_sdk_sfn::Client,
        machine: &str,
    ) -> Result<StateMachineType, AwsError> {
        let described = sfn
            .describe_state_machine()
            .state_machine_arn(machine)
            .send()
            .await
            .map_err(|e| {
                let missing = e
                    .as_service_error()
                    .is_some_and(|e| e.is_state_machine_does_not_exist());
                let mut error = errors::from_sdk("states:DescribeStateMachine", machine, e);
                if missing {
                    error.kind = errors::AwsErrorKind::NotFound;
                    error.hint = Some(
                        "the stack's StateMachineArn output names it; check the region, or \
                         deploy the stack again with scripts/deploy.sh"
                            .to_owned(),
                    );
                }
                error
            })?;
        Ok(described.r#type().clone())
    }

    pub async fn run(
        deployed: &Deployed,
        id: JobId,
        json: bool,
        output: &mut Output<'_>,
    ) -> anyhow::Result<ExitCode> {
        let machine = deployed.outputs.get(outputs::STATE_MACHINE_ARN)?;
        match workflow_type(&deployed.clients.sfn, machine).await? {
            StateMachineType::Standard => {
                super::standard::run(deployed, machine, id, json, output).await
            }
            _ => run_express(deployed, id, json, output).await,
        }
    }

    async fn run_express(
        deployed: &Deployed,
        id: JobId,
        json: bool,
        output: &mut Output<'_>,
    ) -> anyhow::Result<ExitCode> {
        let logs = &deployed.clients.logs;
        let group = deployed.outputs.get(outputs::LOG_GROUP)?;
        let retention = retention_days(logs, group).await?;

        // Every event that names the job: all of the execution named with its
        // id, and those of a replay's execution that carry it in their data.
        let mut executions = Executions::default();
        let mut raw = Vec::new();
        for message in filter_all(logs, group, &term(&id.to_string())).await? {
            executions.add_message(&message);
            raw.push(message);
        }
        let arns: Vec<String> = executions
            .arns()
            .filter(|arn| executions.is_of_job(arn, &id))
            .map(str::to_owned)
            .collect();
        // A replay's execution is named otherwise: read all of its events.
        let named = id.to_string();
        for arn in arns
            .iter()
            .filter(|arn| arn.split(':').nth(7) != Some(&named))
        {
            for message in filter_all(logs, group, &term(arn)).await? {
                executions.add_message(&message);
                raw.push(message);
            }
        }
        let views = executions.views(&arns);
        let kept = kept_for(retention);
        if views.is_empty() {
            anyhow::bail!(
                "no executions of job {id} in the log group {group}, which keeps events {kept}: \
                 check the id with `jobs get {id}`"
            );
        }
        if json {
            // Both reads can return an event: keep each (execution, id) once.
            let mut seen = std::collections::HashSet::new();
            let events: Vec<Value> = raw
                .iter()
                .filter_map(|m| serde_json::from_str::<Value>(m).ok())
                .filter(|e| {
                    let arn = e.get("execution_arn").and_then(Value::as_str);
                    arn.is_some_and(|arn| arns.iter().any(|a| a == arn))
                        && seen.insert((arn.map(str::to_owned), e.get("id").map(Value::to_string)))
                })
                .collect();
            let raw = RawHistory {
                log_group_name: group,
                retention_in_days: retention,
                events,
            };
            writeln!(output.out, "{}", render::pretty(&raw))?;
        } else {
            write!(output.out, "{}", render::timeline(&views))?;
        }
        writeln!(
            output.err,
            "from the log group {group}, which keeps events {kept}: older executions are gone"
        )?;
        for view in &views {
            if let Some(link) = links::execution(&view.execution_arn, view.start_date) {
                writeln!(output.err, "console: {link}")?;
            }
        }
        if !executions.unreadable.is_empty() {
            writeln!(
                output.err,
                "{} log event(s) left out, unreadable as Step Functions events (see --json): {}",
                executions.unreadable.len(),
                executions.unreadable[0]
            )?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
