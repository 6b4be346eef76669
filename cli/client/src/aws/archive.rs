//! `archive` on AWS: DescribeArchive. EventBridge keeps archived events but
//! has no call that lists them; a replay is how they are seen again.

use std::fmt::Write as _;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::errors;
use super::{chrono_time, outputs, Deployed};
use crate::{render, Output};

pub const NOT_LISTED: &str = "EventBridge does not list archived events: `jobs replay --from \
TIME --to TIME` sends a window of them through the workflow again, and `jobs history JOB_ID` \
shows each job's runs.";

/// What DescribeArchive says, in its own field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArchiveDescription {
    pub archive_name: String,
    pub archive_arn: Option<String>,
    pub event_source_arn: Option<String>,
    pub state: Option<String>,
    pub state_reason: Option<String>,
    pub event_count: i64,
    pub size_bytes: i64,
    /// 0 or absent: kept for ever.
    pub retention_days: Option<i32>,
    pub creation_time: Option<DateTime<Utc>>,
}

pub async fn describe(deployed: &Deployed) -> anyhow::Result<ArchiveDescription> {
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

pub fn describe_text(archive: &ArchiveDescription) -> String {
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
