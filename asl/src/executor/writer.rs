//! A distributed Map's `ResultWriter`: the child results go to S3 (through the
//! [`ObjectSource`](super::ObjectSource) port) under `<Prefix>/<MapRunId>/` as
//! `SUCCEEDED_0.json`, `FAILED_0.json` and `PENDING_0.json`, listed by `manifest.json`, and the
//! Map's result names the manifest instead of holding the outputs. `WriterConfig` shapes each
//! succeeded child's result (Transformation) and the files (OutputType); alone, it shapes the
//! Map's result and nothing is written.
//!
//! The files go under the Map Run's id, which a rerun of the same execution derives the same
//! way (see `children`): it writes to the same keys.

use super::children::MapRun;
use super::jsonata as js;
use super::Executor;
use crate::definition::{ResultWriter, Selector, State, Transformation};
use crate::error::Failure;
use crate::path::Env;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// AWS's error for a Map whose results could not be written.
pub(crate) const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";

/// Where the results go (evaluated before the iterations run) and how they are shaped.
pub(super) struct Target {
    /// Bucket and Prefix; none for a WriterConfig alone.
    dest: Option<(String, String)>,
    transformation: Transformation,
    jsonl: bool,
}

/// One iteration as a child execution: its input, and when it ran and how it ended (no end:
/// the Map stopped before it finished).
pub(super) struct Child {
    pub name: String,
    pub arn: String,
    pub input: Value,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<(DateTime<Utc>, Result<Value, Failure>)>,
}

impl Executor {
    /// The Bucket and Prefix of `w`; fails early when there is no S3 stand-in to write to.
    pub(super) fn writer_target(
        &self,
        st: &State,
        w: &ResultWriter,
        input: &Value,
        env: &Env<'_>,
    ) -> Result<Target, Failure> {
        let Some(params) = &w.params else {
            return Ok(Target {
                dest: None,
                transformation: w.transformation,
                jsonl: w.jsonl,
            });
        };
        if self.objects.is_none() {
            return Err(Failure::runtime(format!(
                "The Map state '{}' writes its results to S3 (ResultWriter), and no stand-in \
                 for S3 is set: give one (jobs workflow run --s3-dir DIR; the results go to \
                 DIR/bucket/prefix/...)",
                st.name
            )));
        }
        let (field, params) = match params {
            Selector::Path(t) => ("Parameters", t.eval_in(input, env)?),
            Selector::Jsonata(t) => {
                let states = js::states(st, input, env.context, None, None);
                (
                    "Arguments",
                    t.eval(&states, env.vars, &st.name, "ResultWriter.Arguments")?,
                )
            }
        };
        let text = |k: &str, required: bool| -> Result<String, Failure> {
            match params.get(k) {
                Some(Value::String(s)) => Ok(s.clone()),
                None if !required => Ok(String::new()),
                other => Err(Failure::runtime(format!(
                    "The ResultWriter of the Map state '{}' needs {k} in its {field}, a \
                     string; it has {}",
                    st.name,
                    other.map_or("none".to_owned(), Value::to_string)
                ))),
            }
        };
        Ok(Target {
            dest: Some((text("Bucket", true)?, text("Prefix", false)?)),
            transformation: w.transformation,
            jsonl: w.jsonl,
        })
    }

    /// Writes the result files and the manifest; returns the Map's result (the results
    /// themselves for a WriterConfig alone).
    pub(super) async fn write_results(
        &self,
        st: &State,
        target: &Target,
        run: &MapRun,
        children: Vec<Child>,
    ) -> Result<Value, Failure> {
        let run_id = run.id().to_owned();
        let map_run_arn = run.info.arn.clone();
        let mut files: [(&str, Vec<Value>); 3] = [
            ("FAILED", vec![]),
            ("PENDING", vec![]),
            ("SUCCEEDED", vec![]),
        ];
        // For a WriterConfig alone: every result, in item order.
        let mut ordered = vec![];
        for c in children {
            let mut r = json!({
                "ExecutionArn": c.arn,
                "Input": c.input.to_string(),
                "InputDetails": {"Included": true},
                "Name": c.name,
                "RedriveCount": 0,
                "StateMachineArn": &run.info.state_machine_arn,
            });
            if let Some(t) = c.start {
                r["StartDate"] = date(t);
            }
            let (slot, results) = match c.end {
                Some((t, Ok(out))) => {
                    r["Output"] = out.to_string().into();
                    r["OutputDetails"] = json!({"Included": true});
                    r["RedriveStatus"] = "NOT_REDRIVABLE".into();
                    r["RedriveStatusReason"] =
                        "Execution is SUCCEEDED and cannot be redriven".into();
                    r["Status"] = "SUCCEEDED".into();
                    r["StopDate"] = date(t);
                    let shaped = match (target.transformation, out) {
                        (Transformation::None, _) => vec![r],
                        (Transformation::Flatten, Value::Array(items)) => items,
                        (_, out) => vec![out],
                    };
                    (2, shaped)
                }
                // A failed child's result is never transformed.
                Some((t, Err(f))) => {
                    r["Error"] = f.error.into();
                    r["Cause"] = f.cause.into();
                    r["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN".into();
                    r["Status"] = "FAILED".into();
                    r["StopDate"] = date(t);
                    (0, vec![r])
                }
                None => {
                    r["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN".into();
                    r["Status"] = "ABORTED".into();
                    (1, vec![r])
                }
            };
            if target.dest.is_none() {
                ordered.extend(results);
            } else {
                files[slot].1.extend(results);
            }
        }
        let Some((bucket, prefix)) = &target.dest else {
            return Ok(Value::Array(ordered));
        };
        let objects = self.objects.as_ref().expect("checked by writer_target");
        let dir = match prefix.trim_end_matches('/') {
            "" => run_id.clone(),
            p => format!("{p}/{run_id}"),
        };
        let failed = |e: super::ObjectError| {
            Failure::new(
                RESULT_WRITER_FAILED,
                format!(
                    "The Map state '{}' could not write its results: {e}",
                    st.name
                ),
            )
        };
        let mut listed = serde_json::Map::new();
        for (status, records) in files {
            let mut written = vec![];
            if !records.is_empty() {
                let key = format!("{dir}/{status}_0.json");
                let bytes = if target.jsonl {
                    records
                        .iter()
                        .map(|r| format!("{r}\n"))
                        .collect::<String>()
                        .into_bytes()
                } else {
                    serde_json::to_vec(&records).expect("JSON values serialize")
                };
                let size = bytes.len();
                objects.put(bucket, &key, bytes).await.map_err(failed)?;
                written.push(json!({"Key": key, "Size": size}));
            }
            listed.insert(status.to_owned(), Value::Array(written));
        }
        let manifest = json!({
            "DestinationBucket": bucket,
            "MapRunArn": map_run_arn,
            "ResultFiles": listed,
        });
        let key = format!("{dir}/manifest.json");
        let bytes = serde_json::to_vec(&manifest).expect("JSON values serialize");
        objects.put(bucket, &key, bytes).await.map_err(failed)?;
        Ok(json!({
            "MapRunArn": map_run_arn,
            "ResultWriterDetails": {"Bucket": bucket, "Key": key},
        }))
    }
}

fn date(t: DateTime<Utc>) -> Value {
    t.to_rfc3339_opts(SecondsFormat::Millis, true).into()
}
