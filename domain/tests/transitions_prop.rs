//! Property: whatever interleaving of duplicate, stale and replayed
//! executions reaches a job, its status only moves the way the rules allow,
//! and a `Success` is never overwritten.

use std::sync::Arc;

use chrono::Utc;
use jobs_domain::ports::{JobStore, ReplayInfo, WorkflowInput};
use jobs_domain::status::Cause;
use jobs_domain::testing::{FixedClock, MemoryStore, TestJob};
use jobs_domain::workflow::{ErrorHandler, FailureInput, Processor, StepError};
use jobs_domain::{Job, JobId, JobStatus};
use proptest::prelude::*;
use serde_json::json;

#[derive(Debug, Clone)]
enum Step {
    /// An execution (or a duplicate of one) processes the job.
    Process { replay: bool },
    /// An execution's error handler records a failure.
    RecordFailure,
    /// The store is down for the next step.
    Outage,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => any::<bool>().prop_map(|replay| Step::Process { replay }),
        2 => Just(Step::RecordFailure),
        1 => Just(Step::Outage),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn statuses_only_move_as_the_rules_allow(steps in proptest::collection::vec(step(), 1..24)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        runtime.block_on(async move {
            let store = Arc::new(MemoryStore::default());
            let clock = Arc::new(FixedClock::default());
            let processor = Processor::new(Arc::new(TestJob::default()), store.clone(), clock.clone());
            let handler = ErrorHandler::new(store.clone(), clock);
            let job = Job::queued(JobId::random(), TestJob::params(1), Utc::now());
            store.create(&job, None).await.unwrap();

            let mut status = JobStatus::Queued;
            let mut first_success = None;
            let mut outage = false;
            for step in steps {
                store.fail_writes(outage);
                let cause = match &step {
                    Step::Process { replay: true } => Cause::Replay,
                    _ => Cause::Execution,
                };
                match &step {
                    Step::Process { replay } => {
                        let input = WorkflowInput {
                            id: job.id,
                            parameters: json!({"n": 1}),
                            replay: replay.then(|| ReplayInfo { name: "r".into() }),
                            redrive: None,
                        };
                        let _ = processor.process(&input).await;
                    }
                    Step::RecordFailure => {
                        let _ = handler.record_failure(&FailureInput {
                            id: job.id,
                            parameters: json!({"n": 1}),
                            processor_error: Some(StepError { error: "Boom".into(), cause: String::new() }),
                            replay: None,
                        }).await;
                    }
                    Step::Outage => {}
                }
                outage = matches!(step, Step::Outage);
                store.fail_writes(false);

                let now = store.get(&job.id).await.unwrap().unwrap();
                if now.status != status {
                    // Each step makes at most two writes (Running, then an end);
                    // every status it passed through must be reachable by the rules.
                    let reachable = status.can_move_to(now.status, cause)
                        || JobStatus::ALL.iter().any(|mid| status.can_move_to(*mid, cause) && mid.can_move_to(now.status, cause));
                    prop_assert!(reachable, "{:?} -> {:?} by {:?}", status, now.status, step);
                }
                if let Some(done) = &first_success {
                    prop_assert_eq!(&now, done, "a Success was changed by {:?}", step);
                } else if now.status == JobStatus::Success {
                    first_success = Some(now.clone());
                }
                prop_assert!(now.status != JobStatus::Queued || status == JobStatus::Queued, "back to Queued");
                status = now.status;
            }
            Ok(())
        })?;
    }
}
