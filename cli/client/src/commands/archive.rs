//! `archive`: the failed-jobs archive. The local stack lists its events in
//! a window; on AWS, DescribeArchive, as EventBridge keeps archived events
//! but has no call that lists them (a replay is how they are seen again).

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use http::Method;
use jobs_domain::job::timestamp;
use jobs_wire::{local, ArchiveListing};

use crate::output::Output;
use crate::render;
use crate::target::{needs_stack, Home, Target};

pub(super) async fn run(
    target: &Target,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    json: bool,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    match &target.home {
        Home::Local => run_local(target, from, to, json, output).await,
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
            aws::run(deployed, json, output).await
        }
    }
}

async fn run_local(
    target: &Target,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
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
        .call(Method::GET, local::ARCHIVE, &query, None, &[])
        .await?;
    if json {
        writeln!(output.out, "{}", render::pretty(&response.raw()?))?;
    } else {
        let archive: ArchiveListing = response.json()?;
        write!(output.out, "{}", render::archive_table(&archive))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The AWS side: DescribeArchive.
#[cfg(feature = "aws")]
pub mod aws {
    use std::fmt::Write as _;
    use std::process::ExitCode;

    use chrono::{DateTime, Utc};
    use serde::Serialize;

    use crate::aws::{chrono_time, errors, outputs, Deployed};
    use crate::output::Output;
    use crate::render;

    pub const NOT_LISTED: &str = "EventBridge does not list archived events: `jobs replay --from \
    TIME --to TIME` sends a window of them through the workflow again, and `jobs history JOB_ID` \
    shows each job's runs.";

    /// What DescribeArchive says, in its own field names.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct ArchiveDescription {
        archive_name: String,
        archive_arn: Option<String>,
        event_source_arn: Option<String>,
        state: Option<String>,
        state_reason: Option<String>,
        event_count: i64,
        size_bytes: i64,
        /// 0 or absent: kept for ever.
        retention_days: Option<i32>,
        creation_time: Option<DateTime<Utc>>,
    }

    async fn describe(deployed: &Deployed) -> anyhow::Result<ArchiveDescription> {
        let name = deployed.outputs.get(outputs::ARCHIVE_NAME)?;
        let found = deployed
            .clients
            .events
            .describe_archive()
            .archive_name(name)
            .send()
            .await
            .map_err(|e| errors::from_sdk("events:DescribeArchive", name, e))?;
        Ok(ArchiveDescription {
            archive_name: found.archive_name().unwrap_or(name).to_owned(),
            archive_arn: found.archive_arn().map(str::to_owned),
            event_source_arn: found.event_source_arn().map(str::to_owned),
            state: found.state().map(|s| s.as_str().to_owned()),
            state_reason: found.state_reason().map(str::to_owned),
            event_count: found.event_count(),
            size_bytes: found.size_bytes(),
            retention_days: found.retention_days(),
            creation_time: found.creation_time().and_then(chrono_time),
        })
    }

    fn size(bytes: i64) -> String {
        const KIB: f64 = 1024.0;
        let b = bytes as f64;
        if b < KIB {
            format!("{bytes} bytes")
        } else if b < KIB * KIB {
            format!("{:.1} KiB ({bytes} bytes)", b / KIB)
        } else {
            format!("{:.1} MiB ({bytes} bytes)", b / (KIB * KIB))
        }
    }

    fn describe_text(archive: &ArchiveDescription) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Archive {}  {}",
            archive.archive_name,
            archive.state.as_deref().unwrap_or("(no state)")
        );
        if let Some(reason) = archive.state_reason.as_deref().filter(|r| !r.is_empty()) {
            let _ = writeln!(out, "  reason     {reason}");
        }
        let _ = writeln!(out, "  events     {}", archive.event_count);
        let _ = writeln!(out, "  size       {}", size(archive.size_bytes));
        let retention = match archive.retention_days {
            None | Some(0) => "for ever".to_owned(),
            Some(1) => "1 day".to_owned(),
            Some(days) => format!("{days} days"),
        };
        let _ = writeln!(out, "  retention  {retention}");
        if let Some(created) = &archive.creation_time {
            let _ = writeln!(out, "  created    {}", render::time(created));
        }
        if let Some(source) = &archive.event_source_arn {
            let _ = writeln!(out, "  bus        {source}");
        }
        if let Some(arn) = &archive.archive_arn {
            let _ = writeln!(out, "  arn        {arn}");
        }
        out
    }

    pub async fn run(
        deployed: &Deployed,
        json: bool,
        output: &mut Output<'_>,
    ) -> anyhow::Result<ExitCode> {
        let archive = describe(deployed).await?;
        if json {
            writeln!(output.out, "{}", render::pretty(&archive))?;
            writeln!(output.err, "{NOT_LISTED}")?;
        } else {
            write!(output.out, "{}", describe_text(&archive))?;
            writeln!(output.out, "{NOT_LISTED}")?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
