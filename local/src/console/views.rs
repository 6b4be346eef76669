//! Pieces every page uses: escaping, times, durations, status badges and
//! JSON blocks.

use chrono::{DateTime, SecondsFormat, Utc};
use maud::{html, Markup, PreEscaped};
use serde_json::Value;

/// Text made safe for HTML (and SVG) content and attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A time as people read it, with the exact time on hover; the page's
/// script shows it in the reader's time zone.
pub(crate) fn when(at: &DateTime<Utc>) -> Markup {
    let exact = time(at);
    html! { time datetime=(exact) title=(exact) { (at.format("%Y-%m-%d %H:%M:%S%.3f")) } }
}

/// `1.234 s`, `250 ms`, `3 min 4 s`.
pub(crate) fn duration(from: &DateTime<Utc>, to: &DateTime<Utc>) -> String {
    let ms = (*to - *from).num_milliseconds().max(0);
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.3} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// A coloured badge; `class` is one of the stylesheet's status classes.
pub(crate) fn badge(class: &str, text: &str) -> Markup {
    html! { span class={ "badge s-" (class) } { (text) } }
}

/// A job status as a badge.
pub(crate) fn job_badge(status: jobs_domain::JobStatus) -> Markup {
    let class = match status {
        jobs_domain::JobStatus::Queued => "not-reached",
        jobs_domain::JobStatus::Running => "in-progress",
        jobs_domain::JobStatus::Success => "succeeded",
        jobs_domain::JobStatus::Failure => "failed",
    };
    badge(class, status.as_str())
}

/// An execution status (RUNNING, SUCCEEDED, ...) as a badge.
pub(crate) fn execution_badge(status: &str) -> Markup {
    let class = match status {
        "RUNNING" => "in-progress",
        "SUCCEEDED" => "succeeded",
        "ABORTED" => "cancelled",
        _ => "failed",
    };
    let word = match status {
        "RUNNING" => "Running",
        "SUCCEEDED" => "Succeeded",
        "FAILED" => "Failed",
        "TIMED_OUT" => "Timed out",
        "ABORTED" => "Aborted",
        other => other,
    };
    badge(class, word)
}

/// Pretty JSON in a block, with syntax colouring by the page's script.
pub(crate) fn json_block(value: &Value) -> Markup {
    let text = serde_json::to_string_pretty(value).expect("JSON serializes");
    html! { pre class="json" { code { (text) } } }
}

/// A string that may hold JSON (a Lambda error's cause often does): shown
/// as JSON when it is, else as text.
pub(crate) fn maybe_json(text: &str) -> Markup {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => json_block(&v),
        _ => html! { pre class="text" { (text) } },
    }
}

/// Raw markup already escaped (the SVG).
pub(crate) fn raw(text: String) -> PreEscaped<String> {
    PreEscaped(text)
}
