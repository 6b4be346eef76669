//! `POST /local/replays`, and the states a replay goes through (EventBridge's
//! own, so a replay reads the same in both homes).

use serde::{Deserialize, Serialize};

/// The body of `POST /local/replays`. Times are RFC 3339 text; the stack
/// checks them and says what it expected. An absent `from` is the
/// beginning, an absent `to` the stack's now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// EventBridge's replay states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReplayState {
    Starting,
    Running,
    Cancelling,
    Completed,
    Cancelled,
    Failed,
}

impl ReplayState {
    pub const ALL: [ReplayState; 6] = [
        Self::Starting,
        Self::Running,
        Self::Cancelling,
        Self::Completed,
        Self::Cancelled,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "STARTING",
            Self::Running => "RUNNING",
            Self::Cancelling => "CANCELLING",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// A replay in this state will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::Failed)
    }
}

impl std::fmt::Display for ReplayState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to `POST /local/replays`. The local stack sends every event
/// before it answers, so it can count them (EventBridge does not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayView {
    pub replay_name: String,
    pub state: ReplayState,
    pub events_replayed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_and_write_as_eventbridge_spells_them() {
        for state in ReplayState::ALL {
            let json = serde_json::to_value(state).unwrap();
            assert_eq!(json, state.as_str());
            assert_eq!(ReplayState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ReplayState::parse("DONE"), None);
        let finals: Vec<_> = ReplayState::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(
            finals,
            [
                ReplayState::Completed,
                ReplayState::Cancelled,
                ReplayState::Failed
            ]
        );
    }

    #[test]
    fn a_request_leaves_out_what_it_does_not_set() {
        let request = ReplayRequest {
            from: Some("2026-11-25T00:00:00.000Z".into()),
            ..ReplayRequest::default()
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"from":"2026-11-25T00:00:00.000Z"}"#
        );
        assert!(serde_json::from_str::<ReplayRequest>(r#"{"form":"x"}"#).is_err());
    }
}
