//! The request-body model API Gateway validates `POST /jobs` with. The same
//! file is loaded by CDK, so the two gateways accept exactly the same bodies.

use serde_json::Value;

const CREATE_JOB: &str = include_str!("../../../../lambdas/api/schema/create-job.json");

pub struct BodySchema {
    schemas: boon::Schemas,
    root: boon::SchemaIndex,
}

impl BodySchema {
    pub fn create_job() -> Self {
        let schema: Value = serde_json::from_str(CREATE_JOB).expect("create-job.json is JSON");
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        // API Gateway reads models as draft 4, whatever `$schema` says.
        compiler.set_default_draft(boon::Draft::V4);
        compiler
            .add_resource("create-job.json", schema)
            .expect("create-job.json is added once");
        let root = compiler
            .compile("create-job.json", &mut schemas)
            .expect("create-job.json is a draft-4 schema");
        Self { schemas, root }
    }

    /// `Err` holds what is wrong, for the `details` of the 400 response.
    pub fn check(&self, body: &[u8]) -> Result<(), String> {
        let instance: Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
        match self.schemas.validate(&instance, self.root) {
            Ok(()) => Ok(()),
            Err(error) => {
                let mut problems = Vec::new();
                leaves(&error, &mut problems);
                Err(problems.join("; "))
            }
        }
    }
}

/// One line per failed keyword: where in the body and what is wrong
/// (`/seconds: must be >=1, but got 0`).
fn leaves(error: &boon::ValidationError, out: &mut Vec<String>) {
    if !error.causes.is_empty() {
        for cause in &error.causes {
            leaves(cause, out);
        }
        return;
    }
    let at = error.instance_location.to_string();
    out.push(if at.is_empty() {
        error.kind.to_string()
    } else {
        format!("{at}: {}", error.kind)
    });
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
            (r#"{"seconds": 0}"#, ">=1"),
            (r#"{"seconds": 86401}"#, "<=86400"),
            (r#"{"seconds": "3"}"#, "integer"),
            (r#"{"seconds": 1.5}"#, "integer"),
            (r#"{"seconds": 3, "extra": true}"#, "extra"),
        ] {
            let err = schema.check(bad.as_bytes()).unwrap_err();
            assert!(err.contains(hint), "{bad}: {err}");
        }
        assert_eq!(
            schema.check(br#"{"seconds": 0, "x": 1}"#).unwrap_err(),
            "/seconds: must be >=1, but got 0; additionalProperties 'x' not allowed"
        );
    }
}
