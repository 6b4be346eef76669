use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::work::kind;

/// The largest request body accepted. A valid body is a few dozen bytes; the
/// limit keeps a hostile client from making the parser do real work.
pub const MAX_BODY_BYTES: usize = 1024;

/// The API accepts up to a day so that requests the workflow cannot run reach
/// the failure path (as the sample intends) rather than bouncing at the door.
pub const MAX_ACCEPTED_SECONDS: u64 = 86_400;

/// The longest job the workflow can run: the processor's task timeout (195 s)
/// and the 5-minute Express limit leave room for recording a failure after it.
pub const MAX_RUNNABLE_SECONDS: u64 = 180;

/// What the sample job is asked to do: work for `seconds` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobParameters {
    pub seconds: u64,
}

/// Why a request body or a parameters document was refused. Each variant's
/// message tells the caller what a valid body looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidParameters {
    #[error("the request body is empty; send a JSON object such as {{\"seconds\": 5}}")]
    Empty,
    #[error("the request body is {0} bytes; the limit is {MAX_BODY_BYTES} bytes")]
    TooLarge(usize),
    #[error(
        "the request body is not valid JSON ({0}); send a JSON object such as {{\"seconds\": 5}}"
    )]
    NotJson(String),
    #[error("the request body must be a JSON object such as {{\"seconds\": 5}}, not {0}")]
    NotAnObject(&'static str),
    #[error("\"seconds\" is required")]
    MissingSeconds,
    #[error("unknown key {0:?}: the only key allowed is \"seconds\"")]
    UnknownKey(String),
    #[error("\"seconds\" must be a whole number from 1 to {MAX_ACCEPTED_SECONDS}, got {0}")]
    BadSeconds(String),
}

/// The job asks for more than the workflow can run; the job fails with this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seconds is {0}, but a job can run for at most {MAX_RUNNABLE_SECONDS} seconds (the workflow must finish within the 5-minute Express limit)")]
pub struct TooLong(pub u64);

impl JobParameters {
    /// Parses and validates a `POST /jobs` body: a JSON object with exactly one
    /// key, `seconds`, an integer from 1 to [`MAX_ACCEPTED_SECONDS`].
    pub fn from_body(body: &[u8]) -> Result<Self, InvalidParameters> {
        if body.len() > MAX_BODY_BYTES {
            return Err(InvalidParameters::TooLarge(body.len()));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(InvalidParameters::Empty);
        }
        let value: Value =
            serde_json::from_slice(body).map_err(|e| InvalidParameters::NotJson(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Validates a parameters document already parsed as JSON, with the same
    /// rules as the request body: the processor checks again what it is given.
    pub fn from_value(value: &Value) -> Result<Self, InvalidParameters> {
        let object = match value {
            Value::Object(object) => object,
            other => return Err(InvalidParameters::NotAnObject(kind(other))),
        };
        Self::from_object(object)
    }

    fn from_object(object: &Map<String, Value>) -> Result<Self, InvalidParameters> {
        if let Some(unknown) = object.keys().find(|k| k.as_str() != "seconds") {
            let shown: String = unknown.chars().take(64).collect();
            return Err(InvalidParameters::UnknownKey(shown));
        }
        let seconds = object
            .get("seconds")
            .ok_or(InvalidParameters::MissingSeconds)?;
        match seconds.as_u64() {
            Some(n) if (1..=MAX_ACCEPTED_SECONDS).contains(&n) => Ok(Self { seconds: n }),
            _ => {
                // Cut by characters, not bytes: the value may be any string.
                let text = seconds.to_string();
                let mut shown: String = text.chars().take(64).collect();
                if shown.len() < text.len() {
                    shown.push('…');
                }
                Err(InvalidParameters::BadSeconds(shown))
            }
        }
    }

    /// Whether the workflow can run this job within its time limits.
    pub fn ensure_runnable(&self) -> Result<(), TooLong> {
        if self.seconds > MAX_RUNNABLE_SECONDS {
            Err(TooLong(self.seconds))
        } else {
            Ok(())
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::json!({ "seconds": self.seconds })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: &str) -> Result<JobParameters, InvalidParameters> {
        JobParameters::from_body(body.as_bytes())
    }

    #[test]
    fn accepts_valid_bodies() {
        assert_eq!(parse(r#"{"seconds": 1}"#).unwrap().seconds, 1);
        assert_eq!(parse(r#"  {"seconds":5}  "#).unwrap().seconds, 5);
        assert_eq!(parse("{\n \"seconds\" : 86400\n}").unwrap().seconds, 86_400);
    }

    #[test]
    fn rejects_missing_seconds() {
        assert_eq!(parse("{}"), Err(InvalidParameters::MissingSeconds));
    }

    #[test]
    fn rejects_numbers_that_are_not_whole_and_positive() {
        for bad in [
            "0",
            "-1",
            "1.5",
            "1.0",
            "1e3",
            "86401",
            "4294967296",
            "18446744073709551616",
            "100000000000000000000000000000000",
            "-0",
        ] {
            let body = format!(r#"{{"seconds": {bad}}}"#);
            match parse(&body) {
                Err(InvalidParameters::BadSeconds(_)) => {}
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_seconds_of_other_types() {
        for bad in [r#""3""#, "null", "true", "[3]", r#"{"n":3}"#] {
            let body = format!(r#"{{"seconds": {bad}}}"#);
            assert!(
                matches!(parse(&body), Err(InvalidParameters::BadSeconds(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn long_non_ascii_values_are_shown_cut_at_a_character() {
        let body = format!(r#"{{"seconds": "{}"}}"#, "é".repeat(100));
        match parse(&body) {
            Err(InvalidParameters::BadSeconds(shown)) => {
                assert_eq!(shown.chars().count(), 65, "{shown}");
                assert!(shown.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_extra_keys() {
        assert_eq!(
            parse(r#"{"seconds": 3, "priority": "high"}"#),
            Err(InvalidParameters::UnknownKey("priority".into()))
        );
    }

    #[test]
    fn rejects_non_json_and_non_objects() {
        assert!(matches!(
            parse("seconds=3"),
            Err(InvalidParameters::NotJson(_))
        ));
        assert!(matches!(
            parse(r#"{"seconds": 3"#),
            Err(InvalidParameters::NotJson(_))
        ));
        assert!(matches!(
            JobParameters::from_body(&[0xff, 0xfe, 0x00]),
            Err(InvalidParameters::NotJson(_))
        ));
        assert_eq!(
            parse("[1]"),
            Err(InvalidParameters::NotAnObject("an array"))
        );
        assert_eq!(parse("3"), Err(InvalidParameters::NotAnObject("a number")));
        assert_eq!(parse("null"), Err(InvalidParameters::NotAnObject("null")));
    }

    #[test]
    fn rejects_empty_bodies() {
        assert_eq!(parse(""), Err(InvalidParameters::Empty));
        assert_eq!(parse(" \n\t"), Err(InvalidParameters::Empty));
    }

    #[test]
    fn rejects_oversized_bodies_before_parsing_them() {
        let padding = " ".repeat(MAX_BODY_BYTES);
        let body = format!(r#"{{"seconds": 3}}{padding}"#);
        assert_eq!(parse(&body), Err(InvalidParameters::TooLarge(body.len())));
        let at_limit = format!(r#"{{"seconds": 3}}{}"#, " ".repeat(MAX_BODY_BYTES - 14));
        assert_eq!(at_limit.len(), MAX_BODY_BYTES);
        assert!(parse(&at_limit).is_ok());
    }

    #[test]
    fn messages_tell_the_caller_what_to_send() {
        let msg = parse(r#"{"seconds": 0}"#).unwrap_err().to_string();
        assert!(
            msg.contains("from 1 to 86400") && msg.contains("got 0"),
            "{msg}"
        );
        let msg = parse("").unwrap_err().to_string();
        assert!(msg.contains(r#"{"seconds": 5}"#), "{msg}");
    }

    #[test]
    fn typed_parse_of_parameters_matches_the_body_rules() {
        assert_eq!(
            JobParameters::from_value(&json!({"seconds": 7})).unwrap(),
            JobParameters { seconds: 7 }
        );
        assert!(JobParameters::from_value(&json!({"seconds": "7"})).is_err());
        assert!(JobParameters::from_value(&json!({"seconds": 7, "x": 1})).is_err());
        assert!(JobParameters::from_value(&json!(null)).is_err());
    }

    #[test]
    fn runnable_only_up_to_the_workflow_limit() {
        assert!(JobParameters {
            seconds: MAX_RUNNABLE_SECONDS
        }
        .ensure_runnable()
        .is_ok());
        let err = JobParameters {
            seconds: MAX_RUNNABLE_SECONDS + 1,
        }
        .ensure_runnable()
        .unwrap_err();
        assert!(err.to_string().contains("at most 180 seconds"), "{err}");
    }
}
