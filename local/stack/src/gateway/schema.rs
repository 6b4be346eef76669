//! The request-body model API Gateway validates `POST /jobs` with. The same
//! file is loaded by CDK, so the two gateways accept exactly the same bodies.

use serde_json::Value;

const CREATE_JOB: &str = include_str!("../../../../lambdas/api/schema/create-job.json");

pub struct BodySchema {
    validator: jsonschema::Validator,
}

impl BodySchema {
    pub fn create_job() -> Self {
        let schema: Value = serde_json::from_str(CREATE_JOB).expect("create-job.json is JSON");
        let validator =
            jsonschema::draft4::new(&schema).expect("create-job.json is a draft-4 schema");
        Self { validator }
    }

    /// `Err` holds what is wrong, for the `details` of the 400 response.
    pub fn check(&self, body: &[u8]) -> Result<(), String> {
        let instance: Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
        let problems: Vec<String> = self
            .validator
            .iter_errors(&instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{at}: {e}")
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_contract_accepts() {
        let schema = BodySchema::create_job();
        for ok in [
            r#"{"seconds": 1}"#,
            r#"{"seconds":86400}"#,
            " {\"seconds\" : 3} ",
        ] {
            assert_eq!(schema.check(ok.as_bytes()), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_everything_else_and_says_why() {
        let schema = BodySchema::create_job();
        for (bad, hint) in [
            ("", "not valid JSON"),
            ("seconds=3", "not valid JSON"),
            ("[]", "object"),
            ("{}", "seconds"),
            (r#"{"seconds": 0}"#, "minimum"),
            (r#"{"seconds": 86401}"#, "maximum"),
            (r#"{"seconds": "3"}"#, "integer"),
            (r#"{"seconds": 1.5}"#, "integer"),
            (r#"{"seconds": 3, "extra": true}"#, "extra"),
        ] {
            let err = schema.check(bad.as_bytes()).unwrap_err();
            assert!(err.contains(hint), "{bad}: {err}");
        }
    }
}
