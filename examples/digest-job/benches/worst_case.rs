//! The digest job's worst case, the figure its time limit is sized for: the
//! largest text and the most rounds, through the same `run` the processor
//! calls. Prints the median and the slowest of a few runs per algorithm.

use std::time::{Duration, Instant};

use chrono::Utc;
use jobs_digest_job::Job;
use jobs_domain::work::{DynWork, RunContext, Work};
use jobs_domain::JobId;
use serde_json::json;

const RUNS: usize = 7;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    for algorithm in ["sha256", "blake3"] {
        let body = json!({"text": "x".repeat(4096), "rounds": 100_000, "algorithm": algorithm});
        let parameters = Job
            .parse_body(body.to_string().as_bytes())
            .expect("the worst case is a valid body");
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let context = RunContext {
                    id: JobId::random(),
                    deadline: Utc::now(),
                    span: tracing::Span::none(),
                };
                let started = Instant::now();
                runtime
                    .block_on(DynWork::run(&Job, context, &parameters))
                    .expect("the worst case runs");
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "{algorithm}: 4096-byte text, 100000 rounds: median {:?}, slowest {:?} of {RUNS} (time limit {:?})",
            times[RUNS / 2],
            times[RUNS - 1],
            Job::LIMITS.time
        );
    }
}
