//! Reading the workflow's log group: the events that match a term, every
//! page. EXPRESS executions are read from it whole; on STANDARD it finds the
//! executions a replay started, which carry the job id only in their input.

use crate::aws::errors::{self, AwsError};

/// The log events matching `pattern`, every page.
pub(super) async fn filter_all(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    pattern: &str,
) -> Result<Vec<String>, AwsError> {
    let mut messages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = logs
            .filter_log_events()
            .log_group_name(group)
            .filter_pattern(pattern)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| errors::from_sdk("logs:FilterLogEvents", group, e))?;
        messages.extend(
            page.events()
                .iter()
                .filter_map(|e| e.message().map(str::to_owned)),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(messages),
        }
    }
}

/// A quoted term matches the text exactly, hyphens and colons included.
pub(super) fn term(text: &str) -> String {
    format!("\"{text}\"")
}
