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

/// The `/local/faults` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSettings {
    pub error_handler_store_writes: Switch,
    pub processor_store_writes: Switch,
}

/// A `PUT /local/faults` body: absent fields keep their value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_handler_store_writes: Option<Switch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processor_store_writes: Option<Switch>,
}

impl FaultUpdate {
    pub fn is_empty(&self) -> bool {
        self.error_handler_store_writes.is_none() && self.processor_store_writes.is_none()
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
    }
}
