//! Retry and Catch: which error names a retrier or catcher takes, and how long to back off.

use crate::error::names;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: f64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
    pub full_jitter: bool,
}

impl Retrier {
    /// The delay before retry number `attempt` (0 for the first retry).
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let mut d = self.interval_seconds * self.backoff_rate.powi(attempt as i32);
        if let Some(max) = self.max_delay_seconds {
            d = d.min(max);
        }
        if self.full_jitter {
            d *= fastrand::f64();
        }
        Duration::from_secs_f64(d.max(0.0))
    }
}

/// Whether an `ErrorEquals` list takes `error`. `States.ALL` takes everything but
/// `States.Runtime` (which no retrier or catcher takes, as in Step Functions);
/// `States.TaskFailed` takes everything but the timeouts; `States.Timeout` also takes
/// `States.HeartbeatTimeout`, which the task timeout covered before it had its own name.
pub(crate) fn matches(error_equals: &[String], error: &str) -> bool {
    if error == names::RUNTIME {
        return false;
    }
    let timeout = error == names::TIMEOUT || error == names::HEARTBEAT_TIMEOUT;
    error_equals.iter().any(|e| {
        e == error
            || e == names::ALL
            || (e == names::TASK_FAILED && !timeout)
            || (e == names::TIMEOUT && error == names::HEARTBEAT_TIMEOUT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(jitter: bool) -> Retrier {
        Retrier {
            error_equals: vec!["X".into()],
            interval_seconds: 1.0,
            max_attempts: 3,
            backoff_rate: 2.0,
            max_delay_seconds: Some(3.0),
            full_jitter: jitter,
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let r = r(false);
        assert_eq!(r.delay(0), Duration::from_secs(1));
        assert_eq!(r.delay(1), Duration::from_secs(2));
        assert_eq!(r.delay(2), Duration::from_secs(3));
        assert_eq!(r.delay(5), Duration::from_secs(3));
    }

    #[test]
    fn full_jitter_stays_within_the_delay() {
        let r = r(true);
        for a in 0..4 {
            assert!(r.delay(a) <= Duration::from_secs(3));
        }
    }

    #[test]
    fn error_matching() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches(&l(&["States.ALL"]), "Anything"));
        assert!(matches(&l(&["States.ALL"]), "States.Timeout"));
        assert!(!matches(&l(&["States.ALL"]), "States.Runtime"));
        assert!(matches(&l(&["States.TaskFailed"]), "Lambda.Unknown"));
        assert!(!matches(&l(&["States.TaskFailed"]), "States.Timeout"));
        assert!(matches(&l(&["A", "States.Timeout"]), "States.Timeout"));
        assert!(matches(&l(&["States.Timeout"]), "States.HeartbeatTimeout"));
        assert!(matches(
            &l(&["States.HeartbeatTimeout"]),
            "States.HeartbeatTimeout"
        ));
        assert!(!matches(&l(&["States.HeartbeatTimeout"]), "States.Timeout"));
        assert!(!matches(
            &l(&["States.TaskFailed"]),
            "States.HeartbeatTimeout"
        ));
        assert!(!matches(&l(&["A", "B"]), "C"));
    }
}
