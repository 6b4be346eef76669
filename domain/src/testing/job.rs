//! A job for the tests of everything built around the job (the use cases,
//! the stores, the handlers, the local stack): it answers at once, or holds
//! in `run` until released, so no test leans on how long a real job takes.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::watch;

use crate::work::{Document, JobFailure, Limits, RunContext, Work};

/// `{"n": 0..=1000, "hold"?: bool, "fail"?: "ErrorName", "data"?: any JSON}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestParameters {
    pub n: u64,
    /// Wait in `run` until [`TestJob::release`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hold: bool,
    /// Fail in `run` with this error name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<String>,
    /// Any JSON, echoed one level deeper in the results (`{"echo": {"data"}}`),
    /// so a test can make parameters or results as deep or odd as it needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// The most `validate` accepts and the most `admit` lets run.
pub const TEST_MAX_N: u64 = 1000;
pub const TEST_RUNNABLE_N: u64 = 100;

/// Runs answer `{"doubled": 2n}` (and `"echo"` when given `data`); `n` over [`TEST_RUNNABLE_N`] fails with
/// `TooBig` before the job runs, as the sample's `JobTooLong` does.
#[derive(Clone, Debug)]
pub struct TestJob {
    gate: Arc<watch::Sender<bool>>,
}

impl Default for TestJob {
    fn default() -> Self {
        Self {
            gate: Arc::new(watch::channel(false).0),
        }
    }
}

impl TestJob {
    /// Lets every held run (and every later one) go on.
    pub fn release(&self) {
        self.gate.send_replace(true);
    }

    /// `{"n": n}` as a document.
    pub fn params(n: u64) -> Document {
        Document::from_value(json!({ "n": n })).expect("an object")
    }

    /// `{"n": n, "hold": true}`: a job that stays `Running` until released.
    pub fn held(n: u64) -> Document {
        Document::from_value(json!({ "n": n, "hold": true })).expect("an object")
    }
}

impl Work for TestJob {
    type Parameters = TestParameters;
    type Results = serde_json::Value;

    const LIMITS: Limits = Limits {
        time: Duration::from_secs(10),
        body_bytes: 256,
        result_bytes: 256,
    };

    fn example() -> TestParameters {
        TestParameters {
            n: 3,
            hold: false,
            fail: None,
            data: None,
        }
    }

    fn validate(parameters: &TestParameters) -> Result<(), String> {
        if parameters.n > TEST_MAX_N {
            return Err(format!(
                "n must be at most {TEST_MAX_N}, got {}",
                parameters.n
            ));
        }
        Ok(())
    }

    fn admit(parameters: &TestParameters) -> Result<(), JobFailure> {
        if parameters.n > TEST_RUNNABLE_N {
            return Err(JobFailure::new(
                "TooBig",
                format!("n is {}; at most {TEST_RUNNABLE_N} runs", parameters.n),
            ));
        }
        Ok(())
    }

    async fn run(
        &self,
        _context: RunContext,
        parameters: TestParameters,
    ) -> Result<serde_json::Value, JobFailure> {
        if parameters.hold {
            let mut gate = self.gate.subscribe();
            // A closed channel cannot happen while `self` holds the sender.
            let _ = gate.wait_for(|released| *released).await;
        }
        if let Some(error) = parameters.fail {
            return Err(JobFailure::new(error, "the test asked this run to fail"));
        }
        let mut results = json!({ "doubled": parameters.n * 2 });
        if let Some(data) = parameters.data {
            results["echo"] = json!({ "data": data });
        }
        Ok(results)
    }
}
