//! `GET` and `PUT /local/faults`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Switch {
    Ok,
    Fail,
}

impl Switch {
    pub fn from_bool(fail: bool) -> Self {
        if fail {
            Self::Fail
        } else {
            Self::Ok
        }
    }

    pub fn fails(self) -> bool {
        self == Self::Fail
    }
}

/// Whether the processor runs jobs or holds them, `Running`, until switched
/// back: how a test or a demo keeps a job in `Running` whatever the job does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runs {
    #[default]
    Run,
    Hold,
}

/// The `/local/faults` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSettings {
    pub error_handler_store_writes: Switch,
    pub processor_store_writes: Switch,
    pub job_runs: Runs,
}

/// A `PUT /local/faults` body: absent fields keep their value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_handler_store_writes: Option<Switch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processor_store_writes: Option<Switch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_runs: Option<Runs>,
}

impl FaultUpdate {
    pub fn is_empty(&self) -> bool {
        self.error_handler_store_writes.is_none()
            && self.processor_store_writes.is_none()
            && self.job_runs.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_sends_only_the_switches_it_changes() {
        let update = FaultUpdate {
            error_handler_store_writes: Some(Switch::Fail),
            processor_store_writes: None,
            job_runs: None,
        };
        assert_eq!(
            serde_json::to_string(&update).unwrap(),
            r#"{"errorHandlerStoreWrites":"fail"}"#
        );
        assert!(!update.is_empty());
        assert!(FaultUpdate::default().is_empty());
        let err = serde_json::from_str::<FaultUpdate>(r#"{"processorStoreWrites":"maybe"}"#);
        assert!(err.is_err());
        let err = serde_json::from_str::<FaultUpdate>(r#"{"other":"fail"}"#);
        assert!(err.is_err());
        let hold: FaultUpdate = serde_json::from_str(r#"{"jobRuns":"hold"}"#).unwrap();
        assert_eq!(hold.job_runs, Some(Runs::Hold));
        assert!(serde_json::from_str::<FaultUpdate>(r#"{"jobRuns":"pause"}"#).is_err());
    }
}
