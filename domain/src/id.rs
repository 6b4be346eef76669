use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A job id: a random UUID in its canonical lowercase, hyphenated form.
///
/// The id doubles as the Step Functions execution name, so it must stay within
/// the execution-name alphabet and length; a UUID does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(Uuid);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a job id: job ids are UUIDs like 3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f")]
pub struct InvalidJobId(pub String);

impl JobId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl FromStr for JobId {
    type Err = InvalidJobId;

    /// Only the canonical form is accepted, so one job has exactly one URL and
    /// one execution name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shown: String = s.chars().take(64).collect();
        if s.len() != 36 {
            return Err(InvalidJobId(shown));
        }
        let uuid = Uuid::parse_str(s).map_err(|_| InvalidJobId(shown.clone()))?;
        let canonical = uuid.hyphenated().to_string();
        if canonical != s {
            return Err(InvalidJobId(shown));
        }
        Ok(Self(uuid))
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl Serialize for JobId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for JobId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_round_trip_through_their_text() {
        let id = JobId::random();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.parse::<JobId>().unwrap(), id);
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "abc",
            "123",
            "../etc/passwd",
            "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9", // one short
            "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9ff", // one long
            "3f2c9a4e8d1b4c6a9e2f0b7d5a1c3e9f",    // no hyphens
            "3F2C9A4E-8D1B-4C6A-9E2F-0B7D5A1C3E9F", // upper case
            "{3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9}",
            "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9g",
            "idempotency#key",
        ] {
            assert!(bad.parse::<JobId>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn error_message_says_what_an_id_looks_like() {
        let err = "nope".parse::<JobId>().unwrap_err();
        assert!(err.to_string().contains("UUID"), "{err}");
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn error_message_does_not_echo_huge_input() {
        let long = "x".repeat(10_000);
        let err = long.parse::<JobId>().unwrap_err();
        assert!(err.to_string().len() < 200);
    }

    #[test]
    fn serde_uses_the_text_form() {
        let id: JobId = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".parse().unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f\"");
        assert_eq!(serde_json::from_str::<JobId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<JobId>("\"nope\"").is_err());
    }
}
