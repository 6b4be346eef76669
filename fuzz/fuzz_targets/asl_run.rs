//! Whole definitions, loaded and run: errors and failed executions are fine, panics and hangs
//! are not. Tasks are mocked (they echo their input, and every third call fails, so Retry and
//! Catch run too); waits take no time (tokio's clock is paused).
#![no_main]

use jobs_asl::{ExecutionSpec, Executor, StateMachine, TaskContext, TaskError, TaskHandler};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

struct Mocked(AtomicUsize);

#[async_trait::async_trait]
impl TaskHandler for Mocked {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        if self.0.fetch_add(1, Ordering::Relaxed) % 3 == 2 {
            return Err(TaskError::new("Mock.Failure", "every third call fails"));
        }
        Ok(input)
    }
}

// The input is `definition NUL execution-input`; a missing or unreadable input is `{}`.
fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |b| *b == 0);
    let Ok(definition) = std::str::from_utf8(parts.next().unwrap_or_default()) else {
        return;
    };
    let Ok(machine) = StateMachine::from_json(definition) else {
        return;
    };
    let input = parts
        .next()
        .and_then(|p| serde_json::from_slice(p).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let executor = Executor::new(Arc::new(machine), Arc::new(Mocked(AtomicUsize::new(0))));
    let spec = ExecutionSpec::new(
        "fuzz",
        "arn:aws:states:us-east-1:0:execution:fuzz:run",
        input,
    )
    .with_history();
    let _ = rt.block_on(executor.run(spec));
});
