use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a job is in its life: `Queued -> Running -> Success | Failure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobStatus {
    Queued,
    Running,
    Success,
    Failure,
}

/// Why a status change was requested. Only a replay may revive a failed job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// An ordinary execution (started by the API, or an Express at-least-once
    /// duplicate of one).
    Execution,
    /// An execution started by replaying the failed-jobs archive.
    Replay,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [Self::Queued, Self::Running, Self::Success, Self::Failure];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Running => "Running",
            Self::Success => "Success",
            Self::Failure => "Failure",
        }
    }

    /// The statuses a job may be in for a write of `self` to be allowed.
    ///
    /// Stores turn this into the condition of every status write, so that a
    /// duplicate or stale execution can never move a job backwards:
    /// - `Running` from `Queued`, or again from `Running` (a duplicate
    ///   execution of the same job does the same work), and from `Failure`
    ///   only for a replay;
    /// - `Success` only from `Running`;
    /// - `Failure` from `Queued` (a job that never started) or `Running`;
    /// - nothing ever leaves `Success`, and nothing enters `Queued` but
    ///   creation.
    pub fn allowed_sources(self, cause: Cause) -> &'static [JobStatus] {
        use JobStatus::*;
        match (self, cause) {
            (Queued, _) => &[],
            (Running, Cause::Execution) => &[Queued, Running],
            (Running, Cause::Replay) => &[Queued, Running, Failure],
            (Success, _) => &[Running],
            (Failure, _) => &[Queued, Running],
        }
    }

    pub fn can_move_to(self, to: JobStatus, cause: Cause) -> bool {
        to.allowed_sources(cause).contains(&self)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Success | Self::Failure)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for JobStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JobStatus::*;

    #[test]
    fn statuses_round_trip_through_text() {
        for status in JobStatus::ALL {
            assert_eq!(status.as_str().parse::<JobStatus>().unwrap(), status);
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{status}\"")
            );
        }
        assert!("queued".parse::<JobStatus>().is_err());
        assert!("Done".parse::<JobStatus>().is_err());
    }

    #[test]
    fn the_happy_path_is_allowed() {
        assert!(Queued.can_move_to(Running, Cause::Execution));
        assert!(Running.can_move_to(Success, Cause::Execution));
        assert!(Running.can_move_to(Failure, Cause::Execution));
        assert!(Queued.can_move_to(Failure, Cause::Execution));
    }

    #[test]
    fn success_is_final() {
        for to in JobStatus::ALL {
            for cause in [Cause::Execution, Cause::Replay] {
                assert!(
                    !Success.can_move_to(to, cause),
                    "Success -> {to} ({cause:?})"
                );
            }
        }
    }

    #[test]
    fn only_a_replay_revives_a_failure() {
        assert!(!Failure.can_move_to(Running, Cause::Execution));
        assert!(Failure.can_move_to(Running, Cause::Replay));
        assert!(!Failure.can_move_to(Success, Cause::Replay));
        assert!(!Failure.can_move_to(Failure, Cause::Execution));
    }

    #[test]
    fn nothing_moves_backwards_to_queued() {
        for from in JobStatus::ALL {
            assert!(!from.can_move_to(Queued, Cause::Execution));
            assert!(!from.can_move_to(Queued, Cause::Replay));
        }
    }

    #[test]
    fn success_needs_a_running_job() {
        assert!(!Queued.can_move_to(Success, Cause::Execution));
        assert!(!Failure.can_move_to(Success, Cause::Execution));
    }

    #[test]
    fn the_whole_table() {
        // Every pair, so a change to the rules has to change this table too.
        let expected_execution = [
            (Queued, Running),
            (Queued, Failure),
            (Running, Running),
            (Running, Success),
            (Running, Failure),
        ];
        let mut expected_replay = expected_execution.to_vec();
        expected_replay.push((Failure, Running));
        for from in JobStatus::ALL {
            for to in JobStatus::ALL {
                assert_eq!(
                    from.can_move_to(to, Cause::Execution),
                    expected_execution.contains(&(from, to)),
                    "{from} -> {to}"
                );
                assert_eq!(
                    from.can_move_to(to, Cause::Replay),
                    expected_replay.contains(&(from, to)),
                    "{from} -> {to} (replay)"
                );
            }
        }
    }
}
