//! The sweeper Lambda's handler: the scheduled event in, one sweep of the
//! domain's [`Sweeper`], a summary out. Its decisions live in the domain
//! (`jobs_domain::sweep`), where the local stack's recovery uses them too.
//!
//! Layout: this file holds the handler and its settings from the
//! environment; `main.rs` builds the clients once and runs it.

#![warn(unreachable_pub)]

use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use jobs_domain::ports::StoreError;
use jobs_domain::sweep::{InvalidPolicy, SweepPolicy, SweepReport, Sweeper};
use serde::Serialize;
use serde_json::{json, Value};
use tracing::info;

/// The CloudWatch namespace of the sweeper's metrics (alarmed on by CDK).
pub const METRICS_NAMESPACE: &str = "JobsApi/Sweeper";

/// The sweep could not read or write the job table; the next scheduled
/// sweep tries again. Nothing was lost: every claim is a conditional write.
#[derive(Debug, thiserror::Error)]
#[error("the sweep stopped: {0}")]
pub struct SweepFailed(#[from] pub StoreError);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepSummary {
    pub found: usize,
    pub redriven: usize,
    pub lost: usize,
    pub start_failures: usize,
    /// When the schedule fired (the event's `time`; empty if it had none).
    pub scheduled_at: String,
}

/// Handles one scheduled invocation (an EventBridge `Scheduled Event`).
pub async fn handle(
    sweeper: &Sweeper,
    event: EventBridgeEvent<Value>,
) -> Result<SweepSummary, SweepFailed> {
    let scheduled_at = event
        .time
        .map(|t| jobs_domain::job::timestamp(&t))
        .unwrap_or_default();
    let report = sweeper.sweep().await?;
    info!(
        scheduled_at = %scheduled_at,
        found = report.found,
        redriven = report.redriven,
        lost = report.lost,
        start_failures = report.start_failures,
        "sweep done"
    );
    Ok(summary(report, scheduled_at))
}

fn summary(report: SweepReport, scheduled_at: String) -> SweepSummary {
    SweepSummary {
        found: report.found,
        redriven: report.redriven,
        lost: report.lost,
        start_failures: report.start_failures,
        scheduled_at,
    }
}

/// One CloudWatch embedded-metric-format log line: Lambda's log pipeline
/// turns it into the metrics `JobsRedriven`, `JobsLost` and
/// `RedriveStartFailures`, written on every sweep (zeros included), so the
/// alarms see data and not gaps.
pub fn metrics_line(summary: &SweepSummary, now_millis: i64) -> Value {
    json!({
        "_aws": {
            "Timestamp": now_millis,
            "CloudWatchMetrics": [{
                "Namespace": METRICS_NAMESPACE,
                "Dimensions": [[]],
                "Metrics": [
                    {"Name": "JobsRedriven", "Unit": "Count"},
                    {"Name": "JobsLost", "Unit": "Count"},
                    {"Name": "RedriveStartFailures", "Unit": "Count"},
                ],
            }],
        },
        "JobsRedriven": summary.redriven,
        "JobsLost": summary.lost,
        "RedriveStartFailures": summary.start_failures,
    })
}

/// A setting the sweeper needs is missing or unreadable.
#[derive(Debug, thiserror::Error)]
pub enum BadSetting {
    #[error("environment variable {0} is not set; the CDK stack sets it on the sweeper function (cdk/lib/sweeper.ts)")]
    Missing(&'static str),
    #[error("environment variable {name} is {value:?}, not a whole number")]
    NotANumber { name: &'static str, value: String },
    #[error(transparent)]
    Policy(#[from] InvalidPolicy),
}

/// The sweep's policy from the function's environment: the workflow's
/// `TimeoutSeconds` (CDK reads it from statemachine/jobs.asl.json), the
/// schedule's period, the re-drives allowed and the batch size.
pub fn policy_from_env(var: impl Fn(&str) -> Option<String>) -> Result<SweepPolicy, BadSetting> {
    let number = |name: &'static str| -> Result<u64, BadSetting> {
        let value = var(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or(BadSetting::Missing(name))?;
        value
            .trim()
            .parse()
            .map_err(|_| BadSetting::NotANumber { name, value })
    };
    let max_redrives = number("MAX_REDRIVES")?;
    let batch = number("SWEEP_BATCH")?;
    Ok(SweepPolicy::new(
        Duration::from_secs(number("WORKFLOW_TIMEOUT_SECONDS")?),
        Duration::from_secs(number("SWEEP_PERIOD_SECONDS")?),
        u32::try_from(max_redrives).unwrap_or(u32::MAX),
        usize::try_from(batch).unwrap_or(usize::MAX),
    )?)
}
