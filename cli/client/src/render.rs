//! Text for people: jobs, execution timelines and the failed-jobs archive.
//! The same renderers serve both homes: the AWS side turns the workflow's
//! log events into the same [`ExecutionView`]s the local stack sends.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use jobs_asl::HistoryEvent;
use jobs_domain::JobView;
use jobs_wire::{ArchiveListing, ExecutionView, StateError};

/// A job as pretty JSON, in the contract's key order.
pub(crate) fn job_json(job: &JobView) -> String {
    serde_json::to_string_pretty(job).expect("a job view serializes")
}

pub(crate) fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("a JSON value serializes")
}

pub(crate) fn time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One line of text: a Lambda error `Cause` is often a JSON document whose
/// `errorMessage` is the part worth reading.
fn readable_cause(cause: &str, max: usize) -> String {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct LambdaError {
        error_message: String,
    }
    let inner = serde_json::from_str::<LambdaError>(cause)
        .ok()
        .map(|e| e.error_message)
        .filter(|m| !m.is_empty());
    let flat = inner
        .as_deref()
        .unwrap_or(cause)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

fn error_and_cause(error: Option<&str>, cause: Option<&str>, max: usize) -> Option<String> {
    let error = error.filter(|s| !s.is_empty());
    let cause = cause.filter(|s| !s.is_empty());
    match (error, cause) {
        (Some(e), Some(c)) => Some(format!("{e}: {}", readable_cause(c, max))),
        (Some(e), None) => Some(e.to_owned()),
        (None, Some(c)) => Some(readable_cause(c, max)),
        (None, None) => None,
    }
}

/// The history event's type as Step Functions spells it.
pub(crate) fn event_type_name(event: &HistoryEvent) -> String {
    match serde_json::to_value(event.event_type) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{:?}", event.event_type),
    }
}

/// The error and cause of a failure event, whatever its kind.
fn event_failure(event: &HistoryEvent) -> Option<(Option<&str>, Option<&str>)> {
    let task = event
        .task_failed_event_details
        .as_ref()
        .or(event.task_timed_out_event_details.as_ref())
        .map(|d| (d.error.as_deref(), d.cause.as_deref()));
    let execution = event
        .execution_failed_event_details
        .as_ref()
        .or(event.execution_timed_out_event_details.as_ref())
        .or(event.execution_aborted_event_details.as_ref())
        .or(event.map_run_failed_event_details.as_ref())
        .map(|d| (d.error.as_deref(), d.cause.as_deref()));
    task.or(execution)
}

/// The executions of one job as a timeline, one block per execution: a
/// header (name, status, start and stop, replay), then one line per history
/// event with its time relative to the execution's start, its type, the state
/// it belongs to and, for failures, the error and its cause.
pub fn timeline(executions: &[ExecutionView]) -> String {
    if executions.is_empty() {
        return "no executions\n".to_owned();
    }
    let mut out = String::new();
    for (i, execution) in executions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_execution(&mut out, execution);
    }
    out
}

fn render_execution(out: &mut String, execution: &ExecutionView) {
    let _ = writeln!(
        out,
        "Execution {}  {}",
        execution.name,
        execution.status.as_str()
    );
    let (stopped, duration) = match execution.stop_date {
        Some(stop) => (
            time(&stop),
            format!("  ({})", seconds(stop - execution.start_date)),
        ),
        None => ("-".to_owned(), String::new()),
    };
    let _ = writeln!(
        out,
        "  started {}  stopped {stopped}{duration}",
        time(&execution.start_date)
    );
    if let Some(replay) = &execution.replay_name {
        let _ = writeln!(out, "  replay  {replay}");
    }
    if let Some(failure) =
        error_and_cause(execution.error.as_deref(), execution.cause.as_deref(), 240)
    {
        let _ = writeln!(out, "  error   {failure}");
    }

    let names: Vec<String> = execution.events.iter().map(event_type_name).collect();
    let type_width = names.iter().map(String::len).max().unwrap_or(0);
    // Task events carry no state name in the history: they belong to the
    // state entered last, which is how the console groups them too.
    let mut state: Option<&str> = None;
    for (event, kind) in execution.events.iter().zip(&names) {
        if event.state_entered_event_details.is_some() {
            state = event.state_name();
        }
        let at = format!("+{}", seconds(event.timestamp - execution.start_date));
        // Execution events belong to no state.
        let state_name = if kind.starts_with("Execution") {
            None
        } else {
            event.state_name().or(state)
        };
        let failure = event_failure(event).and_then(|(e, c)| error_and_cause(e, c, 240));
        // The task events (not the state's own) of a state the mock file answered.
        let mocked = (kind.starts_with("Task") && !kind.starts_with("TaskState"))
            .then_some(state_name)
            .flatten()
            .filter(|s| execution.mocked_states.iter().any(|m| m == s))
            .map(|_| "(mocked)".to_owned());
        // A distributed Map's run: its children's histories are found by its ARN.
        let map_run = event
            .map_run_started_event_details
            .as_ref()
            .map(|d| d.map_run_arn.clone());
        let mut line = format!("  {at:>10}  {kind:<type_width$}");
        for part in [state_name.map(str::to_owned), mocked, map_run, failure]
            .into_iter()
            .flatten()
        {
            let _ = write!(line, "  {part}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if event.state_exited_event_details.is_some() {
            state = None;
        }
    }
}

fn seconds(d: chrono::TimeDelta) -> String {
    let ms = d.num_milliseconds();
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    format!("{sign}{}.{:03}s", ms / 1000, ms % 1000)
}

/// The failed-jobs archive as a table: time, job id and the two errors.
pub(crate) fn archive_table(archive: &ArchiveListing) -> String {
    let name = &archive.archive_name;
    if archive.events.is_empty() {
        return format!("no archived events in {name} for this window\n");
    }
    // Table cells stay short; `--json` has the whole cause.
    let error_of = |error: Option<&StateError>| match error {
        Some(e) => error_and_cause(e.error.as_deref(), e.cause.as_deref(), 60)
            .unwrap_or_else(|| "-".to_owned()),
        None => "-".to_owned(),
    };
    let rows: Vec<[String; 4]> = archive
        .events
        .iter()
        .map(|event| match event.failed_job() {
            Some(job) => [
                time(&event.time),
                job.id.to_string(),
                error_of(job.processor_error.as_ref()),
                error_of(job.error_handler_error.as_ref()),
            ],
            None => [
                time(&event.time),
                "-".to_owned(),
                format!(
                    "({} from {}: not a failed job)",
                    event.detail_type, event.source
                ),
                "-".to_owned(),
            ],
        })
        .collect();
    let headers = ["TIME", "JOB ID", "PROCESSOR ERROR", "ERROR HANDLER ERROR"];
    let widths: Vec<usize> = (0..3)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([headers[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = |cells: [&str; 4]| {
        let row = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        let _ = writeln!(out, "{}", row.trim_end());
    };
    line(headers);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3]]);
    }
    let count = rows.len();
    let _ = writeln!(
        out,
        "{count} archived event{} in {name}",
        if count == 1 { "" } else { "s" }
    );
    out
}

#[cfg(test)]
mod tests;
