//! Text for people: jobs, execution timelines and the failed-jobs archive.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

/// A job as pretty JSON, its keys in the order a reader wants them (the
/// contract's order) rather than alphabetical; unknown keys go last.
pub fn job_json(job: &Value) -> String {
    const ORDER: [&str; 7] = [
        "id",
        "status",
        "parameters",
        "results",
        "error",
        "createdAt",
        "updatedAt",
    ];
    let Some(object) = job.as_object() else {
        return pretty(job);
    };
    let mut out = String::from("{");
    let keys = ORDER
        .iter()
        .copied()
        .filter(|k| object.contains_key(*k))
        .chain(
            object
                .keys()
                .map(String::as_str)
                .filter(|k| !ORDER.contains(k)),
        );
    for (i, key) in keys.enumerate() {
        let value = pretty(&object[key]).replace('\n', "\n  ");
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n  {}: {value}", Value::from(key));
    }
    out.push_str(if object.is_empty() { "}" } else { "\n}" });
    out
}

pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("a JSON value serializes")
}

/// Parses an event or execution time: RFC 3339 text, or epoch seconds (as
/// the Step Functions API itself returns them).
pub fn parse_time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(text) => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => {
            let secs = n.as_f64()?;
            DateTime::from_timestamp_millis((secs * 1000.0).round() as i64)
        }
        _ => None,
    }
}

fn show_time(value: &Value) -> String {
    match parse_time(value) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => match value {
            Value::Null => "-".to_owned(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    }
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// One line of text: a Lambda error `Cause` is often a JSON document whose
/// `errorMessage` is the part worth reading.
fn readable_cause(cause: &str, max: usize) -> String {
    let inner = serde_json::from_str::<Value>(cause)
        .ok()
        .and_then(|v| text(&v, "errorMessage").map(str::to_owned));
    let flat = inner
        .unwrap_or_else(|| cause.to_owned())
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
    match (error, cause) {
        (Some(e), Some(c)) => Some(format!("{e}: {}", readable_cause(c, max))),
        (Some(e), None) => Some(e.to_owned()),
        (None, Some(c)) => Some(readable_cause(c, max)),
        (None, None) => None,
    }
}

/// The `<x>EventDetails` object of a history event, whatever its type.
fn event_details(event: &Value) -> Option<&Map<String, Value>> {
    event
        .as_object()?
        .iter()
        .find(|(key, value)| key.ends_with("EventDetails") && value.is_object())
        .and_then(|(_, value)| value.as_object())
}

/// The executions of one job as a timeline, one block per execution: a
/// header (name, status, start and stop, replay), then one line per history
/// event with its time relative to the execution's start, its type, the state
/// it belongs to and, for failures, the error and its cause.
pub fn timeline(history: &Value) -> String {
    let empty = Vec::new();
    let executions = history
        .get("executions")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
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

fn render_execution(out: &mut String, execution: &Value) {
    let null = Value::Null;
    let name = text(execution, "name").unwrap_or("(unnamed)");
    let status = text(execution, "status").unwrap_or("UNKNOWN");
    let start = execution.get("startDate").unwrap_or(&null);
    let stop = execution.get("stopDate").unwrap_or(&null);
    let _ = writeln!(out, "Execution {name}  {status}");
    let duration = match (parse_time(start), parse_time(stop)) {
        (Some(a), Some(b)) => format!("  ({})", seconds(b - a)),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "  started {}  stopped {}{duration}",
        show_time(start),
        if stop.is_null() {
            "-".to_owned()
        } else {
            show_time(stop)
        }
    );
    if let Some(replay) = text(execution, "replayName") {
        let _ = writeln!(out, "  replay  {replay}");
    }
    if let Some(failure) = error_and_cause(text(execution, "error"), text(execution, "cause"), 240)
    {
        let _ = writeln!(out, "  error   {failure}");
    }

    let empty = Vec::new();
    let events = execution
        .get("events")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let origin = parse_time(start).or_else(|| {
        events
            .iter()
            .find_map(|e| e.get("timestamp").and_then(parse_time))
    });
    let type_width = events
        .iter()
        .filter_map(|e| text(e, "type"))
        .map(str::len)
        .max()
        .unwrap_or(0);
    // Task events carry no state name in the history: they belong to the
    // state entered last, which is how the console groups them too.
    let mut state: Option<String> = None;
    for event in events {
        let kind = text(event, "type").unwrap_or("?");
        let details = event_details(event);
        let detail = |key: &str| {
            details
                .and_then(|d| d.get(key))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        if kind.ends_with("StateEntered") {
            state = detail("name").map(str::to_owned);
        }
        let at = match (origin, event.get("timestamp").and_then(parse_time)) {
            (Some(origin), Some(at)) => format!("+{}", seconds(at - origin)),
            _ => "?".to_owned(),
        };
        // Execution events belong to no state.
        let state_name = if kind.starts_with("Execution") {
            None
        } else {
            detail("name").map(str::to_owned).or_else(|| state.clone())
        };
        let mut line = format!("  {at:>10}  {kind:<type_width$}");
        for part in [
            state_name,
            error_and_cause(detail("error"), detail("cause"), 240),
        ]
        .into_iter()
        .flatten()
        {
            let _ = write!(line, "  {part}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if kind.ends_with("StateExited") {
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
pub fn archive_table(archive: &Value) -> String {
    let empty = Vec::new();
    let events = archive
        .get("events")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let name = text(archive, "archiveName").unwrap_or("the archive");
    if events.is_empty() {
        return format!("no archived events in {name} for this window\n");
    }
    let error_of = |detail: &Value, key: &str| -> String {
        let error = detail.get(key).unwrap_or(&Value::Null);
        let pick = |k: &str| {
            text(error, k)
                .or_else(|| text(error, &k.to_ascii_lowercase()))
                .map(str::to_owned)
        };
        // Table cells stay short; `--json` has the whole cause.
        match error_and_cause(pick("Error").as_deref(), pick("Cause").as_deref(), 60) {
            Some(text) => text,
            None if error.is_null() => "-".to_owned(),
            None => error.to_string(),
        }
    };
    let rows: Vec<[String; 4]> = events
        .iter()
        .map(|event| {
            let detail = event.get("detail").unwrap_or(&Value::Null);
            [
                show_time(event.get("time").unwrap_or(&Value::Null)),
                text(detail, "id").unwrap_or("-").to_owned(),
                error_of(detail, "processorError"),
                error_of(detail, "errorHandlerError"),
            ]
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
