//! The job's time limit, written into the workflow definitions. The files
//! stay valid ASL as committed (no placeholders): the numbers are rewritten
//! in place, and nothing else in the text moves.

use std::time::Duration;

use serde_json::Value;

/// Above the job's limit, the processor's task allows for the Lambda's start
/// and the store writes around the work.
const TASK_MARGIN_SECONDS: u64 = 15;
/// Above the processor's task, the workflow allows for the failure path:
/// the error handler (30 s task) with its retries, and the archive.
const FAILURE_PATH_SECONDS: u64 = 95;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Timeouts {
    /// The ProcessJob task's TimeoutSeconds.
    pub(super) task: u64,
    /// The workflow's TimeoutSeconds.
    pub(super) workflow: u64,
}

impl Timeouts {
    pub(super) fn for_limit(limit: Duration) -> Self {
        let limit = limit.as_secs() + u64::from(limit.subsec_nanos() > 0);
        let task = limit + TASK_MARGIN_SECONDS;
        Self {
            task,
            workflow: task + FAILURE_PATH_SECONDS,
        }
    }

    /// The definition's text with its top-level and ProcessJob timeouts set.
    pub(super) fn write_into(&self, text: &str) -> Result<String, String> {
        let states = text.find("\"States\"").ok_or("no States")?;
        let process_job = text[states..]
            .find("\"ProcessJob\"")
            .map(|at| at + states)
            .ok_or("no ProcessJob state")?;
        let top = text
            .find("\"TimeoutSeconds\"")
            .filter(|&at| at < states)
            .ok_or("no top-level TimeoutSeconds before the states")?;
        let task = text[process_job..]
            .find("\"TimeoutSeconds\"")
            .map(|at| at + process_job)
            .ok_or("no TimeoutSeconds on ProcessJob")?;
        let mut out = text.to_owned();
        // The later position first, so the earlier one does not move.
        replace_number(&mut out, task, self.task)?;
        replace_number(&mut out, top, self.workflow)?;
        let written: Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
        if written["TimeoutSeconds"] != self.workflow
            || written["States"]["ProcessJob"]["TimeoutSeconds"] != self.task
        {
            return Err("the timeouts are not where the workflow contract puts them".into());
        }
        Ok(out)
    }
}

/// Replaces the number after the key that starts at `at`.
fn replace_number(text: &mut String, at: usize, value: u64) -> Result<(), String> {
    let colon = text[at..].find(':').ok_or("no value")? + at + 1;
    let start = colon + text[colon..].len() - text[colon..].trim_start().len();
    let len = text[start..]
        .find(|c: char| !c.is_ascii_digit())
        .ok_or("no number")?;
    if len == 0 {
        return Err("TimeoutSeconds is not a number".into());
    }
    text.replace_range(start..start + len, &value.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFINITION: &str = r#"{
  "StartAt": "ProcessJob",
  "TimeoutSeconds": 1,
  "States": {
    "ProcessJob": {
      "Type": "Task",
      "TimeoutSeconds": 2,
      "Next": "RecordFailure"
    },
    "RecordFailure": { "Type": "Task", "TimeoutSeconds": 30, "End": true }
  }
}"#;

    #[test]
    fn the_sample_limit_gives_the_timeouts_the_workflow_always_had() {
        let t = Timeouts::for_limit(Duration::from_secs(180));
        assert_eq!(
            t,
            Timeouts {
                task: 195,
                workflow: 290
            }
        );
        // A fraction of a second rounds up: the task must outlast the job.
        let t = Timeouts::for_limit(Duration::from_millis(180_500));
        assert_eq!(t.task, 196);
    }

    #[test]
    fn only_the_two_numbers_change() {
        let t = Timeouts::for_limit(Duration::from_secs(60));
        let out = t.write_into(DEFINITION).unwrap();
        let expected = DEFINITION
            .replace("\"TimeoutSeconds\": 1,", "\"TimeoutSeconds\": 170,")
            .replace("\"TimeoutSeconds\": 2,", "\"TimeoutSeconds\": 75,");
        assert_eq!(out, expected);
        // Written twice, the same text.
        assert_eq!(t.write_into(&out).unwrap(), out);
    }

    #[test]
    fn a_definition_without_the_contract_shape_is_refused() {
        let t = Timeouts::for_limit(Duration::from_secs(60));
        let no_top = DEFINITION.replace("\"TimeoutSeconds\": 1,\n", "");
        assert!(t.write_into(&no_top).unwrap_err().contains("top-level"));
        let no_state = DEFINITION.replace("ProcessJob", "Work");
        assert!(t.write_into(&no_state).unwrap_err().contains("ProcessJob"));
    }
}
