//! The sweeper's handler, given the event an EventBridge schedule delivers.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use jobs_domain::ports::{Clock as _, JobStore};
use jobs_domain::sweep::{SweepPolicy, Sweeper, EXECUTION_LOST};
use jobs_domain::testing::{ManualClock, MemoryStore, RecordingStarter, TestJob};
use jobs_domain::{Job, JobId, JobStatus};
use jobs_sweeper::{handle, metrics_line, policy_from_env, BadSetting, SweepSummary};
use serde_json::Value;

const SCHEDULED: &str = include_str!("events/scheduled.json");

fn event() -> EventBridgeEvent<Value> {
    serde_json::from_str(SCHEDULED).expect("a scheduled event parses")
}

#[tokio::test]
async fn a_scheduled_sweep_redrives_then_gives_up_a_lost_job() {
    let store = Arc::new(MemoryStore::default());
    let starter = Arc::new(RecordingStarter::default());
    let clock = Arc::new(ManualClock::default());
    let policy =
        SweepPolicy::new(Duration::from_secs(290), Duration::from_secs(60), 1, 50).unwrap();
    let sweeper = Sweeper::new(store.clone(), starter.clone(), clock.clone(), policy);
    let job = Job::queued(JobId::random(), TestJob::params(1), clock.now());
    store.create(&job, None).await.unwrap();

    clock.advance(Duration::from_secs(290));
    let first = handle(&sweeper, event()).await.unwrap();
    assert_eq!(
        first,
        SweepSummary {
            found: 1,
            redriven: 1,
            lost: 0,
            start_failures: 0,
            scheduled_at: "2026-11-25T12:30:00.000Z".into(),
        }
    );
    assert_eq!(starter.started()[0].redrive, Some(1));

    clock.advance(Duration::from_secs(290));
    let second = handle(&sweeper, event()).await.unwrap();
    assert_eq!((second.found, second.lost), (1, 1));
    let lost = store.get(&job.id).await.unwrap().unwrap();
    assert_eq!(lost.status, JobStatus::Failure);
    assert_eq!(lost.error.unwrap().error, EXECUTION_LOST);
}

#[tokio::test]
async fn a_store_failure_fails_the_invocation() {
    let store = Arc::new(MemoryStore::default());
    let clock = Arc::new(ManualClock::default());
    let job = Job::queued(JobId::random(), TestJob::params(1), clock.now());
    store.create(&job, None).await.unwrap();
    store.fail_writes(true);
    let policy =
        SweepPolicy::new(Duration::from_secs(290), Duration::from_secs(60), 2, 50).unwrap();
    let sweeper = Sweeper::new(
        store.clone(),
        Arc::new(RecordingStarter::default()),
        clock.clone(),
        policy,
    );
    clock.advance(Duration::from_secs(600));
    let err = handle(&sweeper, event()).await.unwrap_err();
    assert!(err.to_string().contains("unavailable"), "{err}");
}

#[test]
fn the_metrics_line_is_embedded_metric_format() {
    let summary = SweepSummary {
        found: 3,
        redriven: 2,
        lost: 1,
        start_failures: 0,
        scheduled_at: String::new(),
    };
    let line = metrics_line(&summary, 1_700_000_000_000);
    assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000i64);
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "JobsApi/Sweeper");
    let names: Vec<&str> = directive["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["JobsRedriven", "JobsLost", "RedriveStartFailures"]);
    for name in names {
        assert!(line[name].is_u64(), "{name} has a value");
    }
    assert_eq!(
        (line["JobsRedriven"].as_u64(), line["JobsLost"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn the_policy_comes_from_the_environment_cdk_sets() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let policy = policy_from_env(env(&[
        ("WORKFLOW_TIMEOUT_SECONDS", "290"),
        ("SWEEP_PERIOD_SECONDS", "60"),
        ("MAX_REDRIVES", "2"),
        ("SWEEP_BATCH", "100"),
    ]))
    .unwrap();
    assert_eq!(policy.bound(), Duration::from_secs(60 + 290 * 3));
    let missing = policy_from_env(env(&[("SWEEP_PERIOD_SECONDS", "60")])).unwrap_err();
    assert!(
        matches!(missing, BadSetting::Missing("MAX_REDRIVES")),
        "{missing}"
    );
    assert!(missing.to_string().contains("cdk/lib/sweeper.ts"));
    let bad = policy_from_env(env(&[
        ("WORKFLOW_TIMEOUT_SECONDS", "soon"),
        ("SWEEP_PERIOD_SECONDS", "60"),
        ("MAX_REDRIVES", "2"),
        ("SWEEP_BATCH", "100"),
    ]))
    .unwrap_err();
    assert!(bad.to_string().contains("\"soon\""), "{bad}");
    let too_slow = policy_from_env(env(&[
        ("WORKFLOW_TIMEOUT_SECONDS", "290"),
        ("SWEEP_PERIOD_SECONDS", "300"),
        ("MAX_REDRIVES", "2"),
        ("SWEEP_BATCH", "100"),
    ]))
    .unwrap_err();
    assert!(matches!(too_slow, BadSetting::Policy(_)), "{too_slow}");
}
