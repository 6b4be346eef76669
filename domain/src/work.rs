//! The contract a job fulfils. A job crate declares its parameters and
//! results types, its limits, its checks and one async `run`; the use cases
//! hold it as a [`DynWork`] and carry parameters and results as JSON
//! documents ([`Document`]), so nothing outside the job crate names a field
//! of it.
//!
//! Layout: this file holds the contract; `document` the JSON object a job's
//! type accepted, its body-level checks and its canonical form.

mod document;

pub(crate) use document::kind;
pub use document::{Document, InvalidDocument, Unstorable, MAX_DEPTH};

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::JobId;

/// What a job may take: its time, its request body and its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest `run` may take. It sets the processor Lambda's timeout, the
    /// workflow's task and execution timeouts, and the sweeper's bound.
    pub time: Duration,
    /// The largest `POST /jobs` body accepted.
    pub body_bytes: usize,
    /// The largest results document (as compact JSON) a job may record.
    pub result_bytes: usize,
}

/// What `run` has at hand besides the parameters.
#[derive(Clone, Debug)]
pub struct RunContext {
    pub id: JobId,
    /// When the run should be over: the job's time limit from its start. The
    /// workflow's task timeout, a little later, is the hard stop.
    pub deadline: DateTime<Utc>,
    /// The span every line the job logs belongs to; it carries the job id.
    pub span: tracing::Span,
}

/// A job's failure: `error` is the error name the workflow's Catch sees and
/// the job records; `message` its cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {message}")]
pub struct JobFailure {
    pub error: String,
    pub message: String,
}

impl JobFailure {
    pub fn new(error: impl Into<String>, message: impl ToString) -> Self {
        Self {
            error: error.into(),
            message: message.to_string(),
        }
    }
}

/// A job, typed. Implement this in the job crate.
pub trait Work: Send + Sync + 'static {
    /// What a client sends in `POST /jobs`; its JSON Schema is the request model.
    type Parameters: Serialize + DeserializeOwned + Send + Sync;
    /// What a successful run records on the job.
    type Results: Serialize + Send;

    /// The job's limits.
    const LIMITS: Limits;

    /// Parameters to show in examples (README, OpenAPI, Postman) and to try the job with.
    fn example() -> Self::Parameters;

    /// Checks beyond the schema's types, at submit: a refusal is a 400 with
    /// this message and nothing is created.
    fn validate(_parameters: &Self::Parameters) -> Result<(), String> {
        Ok(())
    }

    /// Checks when the job is about to run, before it is marked `Running`:
    /// a refusal fails the job with this error.
    fn admit(_parameters: &Self::Parameters) -> Result<(), JobFailure> {
        Ok(())
    }

    /// Does the work.
    fn run(
        &self,
        context: RunContext,
        parameters: Self::Parameters,
    ) -> impl Future<Output = Result<Self::Results, JobFailure>> + Send;
}

/// A job as the use cases hold it: JSON documents in and out.
#[async_trait]
pub trait DynWork: Send + Sync + 'static {
    fn limits(&self) -> Limits;
    /// Parses and checks a `POST /jobs` body.
    fn parse_body(&self, body: &[u8]) -> Result<Document, InvalidDocument>;
    /// Checks a parameters document already parsed (the processor's second check).
    fn check(&self, parameters: &Value) -> Result<Document, InvalidDocument>;
    fn admit(&self, parameters: &Document) -> Result<(), JobFailure>;
    async fn run(&self, context: RunContext, parameters: &Document) -> Result<Value, JobFailure>;
    fn example(&self) -> Document;
}

#[async_trait]
impl<W: Work> DynWork for W {
    fn limits(&self) -> Limits {
        W::LIMITS
    }

    fn parse_body(&self, body: &[u8]) -> Result<Document, InvalidDocument> {
        let document = Document::parse_body(body, W::LIMITS.body_bytes)?;
        self.check(document.as_value())
    }

    fn check(&self, parameters: &Value) -> Result<Document, InvalidDocument> {
        let typed = typed::<W>(parameters)?;
        W::validate(&typed).map_err(InvalidDocument::Refused)?;
        Document::storable(parameters).map_err(InvalidDocument::Unstorable)?;
        Document::from_value(parameters.clone())
    }

    fn admit(&self, parameters: &Document) -> Result<(), JobFailure> {
        let typed =
            typed::<W>(parameters.as_value()).map_err(|e| JobFailure::new("InvalidDocument", e))?;
        W::admit(&typed)
    }

    async fn run(&self, context: RunContext, parameters: &Document) -> Result<Value, JobFailure> {
        let typed =
            typed::<W>(parameters.as_value()).map_err(|e| JobFailure::new("InvalidDocument", e))?;
        let results = Work::run(self, context, typed).await?;
        let value =
            serde_json::to_value(results).map_err(|e| JobFailure::new("InvalidJobResults", e))?;
        Document::storable(&value).map_err(|e| JobFailure::new("JobResultsUnstorable", e))?;
        let size = serde_json::to_vec(&value).map_or(0, |v| v.len());
        if size > W::LIMITS.result_bytes {
            return Err(JobFailure::new(
                "JobResultsTooLarge",
                format!(
                    "the results are {size} bytes of JSON; the job's limit is {} bytes",
                    W::LIMITS.result_bytes
                ),
            ));
        }
        Ok(value)
    }

    fn example(&self) -> Document {
        let value = serde_json::to_value(W::example()).expect("the example serializes");
        Document::from_value(value).expect("the example is a JSON object")
    }
}

fn typed<W: Work>(parameters: &Value) -> Result<W::Parameters, InvalidDocument> {
    if !parameters.is_object() {
        return Err(InvalidDocument::NotAnObject(kind(parameters)));
    }
    // The path names the field at fault, which serde's own message does not.
    serde_path_to_error::deserialize(parameters).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        InvalidDocument::Mismatch(if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        })
    })
}
