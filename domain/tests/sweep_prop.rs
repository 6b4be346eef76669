//! Property: whatever interleaving of sweeps (every period), late, duplicate
//! and lost executions, failures and replays reaches a job, its status only
//! moves as the rules allow, a `Success` is never overwritten, and the job is
//! never unfinished longer than `period + timeout x (N + 1)` after the last
//! write of an execution.

use std::sync::Arc;
use std::time::Duration;

use jobs_domain::ports::{Clock, JobStore, ReplayInfo, StatusChange, WorkflowInput};
use jobs_domain::status::Cause;
use jobs_domain::sweep::{SweepPolicy, Sweeper};
use jobs_domain::testing::{ManualClock, MemoryStore, RecordingStarter, TestJob};
use jobs_domain::workflow::{ErrorHandler, FailureInput, Processor, StepError};
use jobs_domain::{Job, JobId, JobStatus};
use proptest::prelude::*;
use serde_json::json;

const TIMEOUT: u64 = 290;
const PERIOD: u64 = 60;

#[derive(Debug, Clone)]
enum Step {
    /// Time passes; every sweep due in it runs.
    Wait(u64),
    /// An execution (late, duplicate, or one the sweep re-drove) runs the job
    /// through; `replay` for one started by the archive's replay rule.
    Execute { replay: bool },
    /// An execution marks the job Running, then is lost.
    Lose { replay: bool },
    /// An execution's error handler records a failure.
    RecordFailure,
    /// The local stack restarts and resumes a cut-off execution.
    Recover,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (1..=PERIOD).prop_map(Step::Wait),
        2 => any::<bool>().prop_map(|replay| Step::Execute { replay }),
        3 => any::<bool>().prop_map(|replay| Step::Lose { replay }),
        1 => Just(Step::RecordFailure),
        1 => Just(Step::Recover),
    ]
}

fn input(id: JobId, replay: bool) -> WorkflowInput {
    let mut input = WorkflowInput::new(id, json!({"n": 1}));
    input.replay = replay.then(|| ReplayInfo { name: "r".into() });
    input
}

fn cause(step: &Step) -> Cause {
    match step {
        Step::Execute { replay: true } | Step::Lose { replay: true } => Cause::Replay,
        _ => Cause::Execution,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_job_ends_within_the_bound_and_only_as_the_rules_allow(
        phase in 0..PERIOD,
        max_redrives in 0u32..4,
        steps in proptest::collection::vec(step(), 1..60),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        runtime.block_on(async move {
            let store = Arc::new(MemoryStore::default());
            let clock = Arc::new(ManualClock::default());
            let policy = SweepPolicy::new(Duration::from_secs(TIMEOUT), Duration::from_secs(PERIOD), max_redrives, 10).unwrap();
            let bound = policy.bound().as_secs();
            let sweeper = Sweeper::new(store.clone(), Arc::new(RecordingStarter::default()), clock.clone(), policy);
            let processor = Processor::new(Arc::new(TestJob::default()), store.clone(), clock.clone());
            let handler = ErrorHandler::new(store.clone(), clock.clone());
            let job = Job::queued(JobId::random(), TestJob::params(1), clock.now());
            store.create(&job, None).await.unwrap();

            let (mut now, mut next_sweep, mut last_sign_of_life) = (0u64, phase, 0u64);
            let mut before = job.clone();
            let mut first_success: Option<Job> = None;
            // Steps, then long enough a wait for any job to be settled.
            let tail = std::iter::repeat_n(Step::Wait(PERIOD), (bound / PERIOD + 2) as usize);
            for step in steps.into_iter().chain(tail) {
                let mut moments = Vec::new();
                match &step {
                    Step::Wait(secs) => {
                        let until = now + secs;
                        while next_sweep <= until {
                            clock.advance(Duration::from_secs(next_sweep - now));
                            now = next_sweep;
                            sweeper.sweep().await.unwrap();
                            moments.push(now);
                            next_sweep += PERIOD;
                        }
                        clock.advance(Duration::from_secs(until - now));
                        now = until;
                    }
                    Step::Execute { replay } => {
                        let _ = processor.process(&input(job.id, *replay)).await;
                    }
                    Step::Lose { .. } => {
                        let change = StatusChange::new(job.id, JobStatus::Running, cause(&step), clock.now());
                        let _ = store.transition(&change).await;
                    }
                    Step::RecordFailure => {
                        let _ = handler.record_failure(&FailureInput {
                            id: job.id,
                            parameters: json!({"n": 1}),
                            processor_error: Some(StepError { error: "Boom".into(), cause: String::new() }),
                            replay: None,
                        }).await;
                    }
                    Step::Recover => {
                        let _ = sweeper.redrive_cut_off(&job.id).await;
                    }
                }
                moments.push(now);

                let after = store.get(&job.id).await.unwrap().unwrap();
                let by_execution = matches!(step, Step::Execute { .. } | Step::Lose { .. });
                if by_execution && after.status == JobStatus::Running && after.updated_at == clock.now() && after != before {
                    last_sign_of_life = now;
                }
                if after.status != before.status {
                    let (from, to, c) = (before.status, after.status, cause(&step));
                    let reachable = from.can_move_to(to, c)
                        || JobStatus::ALL.iter().any(|mid| from.can_move_to(*mid, c) && mid.can_move_to(to, c));
                    prop_assert!(reachable, "{:?} -> {:?} by {:?}", from, to, step);
                }
                if let Some(done) = &first_success {
                    prop_assert_eq!(&after, done, "a Success was changed by {:?}", step);
                } else if after.status == JobStatus::Success {
                    first_success = Some(after.clone());
                }
                if !after.status.is_final() {
                    for at in moments {
                        prop_assert!(
                            at - last_sign_of_life <= bound,
                            "unfinished {} s after its last write by an execution (bound {} s)",
                            at - last_sign_of_life, bound
                        );
                    }
                }
                before = after;
            }
            prop_assert!(before.status.is_final(), "the job ended {:?}", before.status);
            Ok(())
        })?;
    }
}
