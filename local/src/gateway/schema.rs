//! The request-body model API Gateway validates `POST /jobs` with. The same
//! file is loaded by CDK, so the two gateways accept exactly the same bodies.

use serde_json::Value;

const CREATE_JOB: &str = include_str!("../../../lambdas/api/schema/create-job.json");

pub(super) struct BodySchema {
    schemas: boon::Schemas,
    root: boon::SchemaIndex,
    schema: Value,
}

impl BodySchema {
    pub(super) fn create_job() -> Self {
        let schema: Value = serde_json::from_str(CREATE_JOB).expect("create-job.json is JSON");
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        // API Gateway reads models as draft 4, whatever `$schema` says.
        compiler.set_default_draft(boon::Draft::V4);
        compiler
            .add_resource("create-job.json", schema.clone())
            .expect("create-job.json is added once");
        let root = compiler
            .compile("create-job.json", &mut schemas)
            .expect("create-job.json is a draft-4 schema");
        Self {
            schemas,
            root,
            schema,
        }
    }

    /// `Err` holds what is wrong, for the `details` of the 400 response.
    pub(super) fn check(&self, body: &[u8]) -> Result<(), String> {
        let instance: Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
        let mut problems = Vec::new();
        if let Err(error) = self.schemas.validate(&instance, self.root) {
            leaves(&error, &mut problems);
        }
        whole_floats(&self.schema, &instance, "", &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

/// Draft 4, which API Gateway's models follow, counts `1.0` or `1e3` as a
/// number but no integer (draft 6 changed that); boon applies the later rule
/// to every draft, so the whole numbers written as floats at a place the
/// schema types `integer` are refused here. The walk follows `properties`
/// and `items`, all a request model of this API uses.
fn whole_floats(schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let integer = match schema.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(types)) => {
            types.iter().any(|t| t == "integer") && !types.iter().any(|t| t == "number")
        }
        _ => false,
    };
    if integer && value.is_f64() && value.as_f64().is_some_and(|n| n.fract() == 0.0) {
        let what =
            format!("want integer, but got number {value} (a whole number written as a float)");
        out.push(if at.is_empty() {
            what
        } else {
            format!("{at}: {what}")
        });
    }
    if let (Some(properties), Some(object)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for (key, property) in properties {
            if let Some(v) = object.get(key) {
                let key = key.replace('~', "~0").replace('/', "~1");
                whole_floats(property, v, &format!("{at}/{key}"), out);
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        if items.is_object() {
            for (i, v) in array.iter().enumerate() {
                whole_floats(items, v, &format!("{at}/{i}"), out);
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
            (r#"{"seconds": 1.0}"#, "want integer, but got number 1.0"),
            (r#"{"seconds": 1e3}"#, "want integer, but got number 1000.0"),
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

    /// The gateway validates bodies with the JSON Schema; the function validates
    /// them again with the typed parse. The two must agree on every body.
    #[test]
    fn the_typed_parse_agrees_with_the_json_schema() {
        let schema = BodySchema::create_job();
        let bodies = [
            r#"{"seconds": 1}"#,
            r#"{"seconds": 86400}"#,
            r#"{"seconds": 86401}"#,
            r#"{"seconds": 0}"#,
            r#"{"seconds": -1}"#,
            r#"{"seconds": 1.5}"#,
            r#"{"seconds": 1.0}"#,
            r#"{"seconds": 1e3}"#,
            r#"{"seconds": "3"}"#,
            r#"{"seconds": null}"#,
            r#"{"seconds": true}"#,
            r#"{}"#,
            r#"{"seconds": 3, "x": 1}"#,
            r#"[]"#,
            r#""seconds""#,
            r#"3"#,
        ];
        for body in bodies {
            let by_schema = schema.check(body.as_bytes()).is_ok();
            let by_parse = jobs_domain::JobParameters::from_body(body.as_bytes()).is_ok();
            assert_eq!(
                by_schema, by_parse,
                "{body}: schema says {by_schema}, typed parse says {by_parse}"
            );
        }
    }
}
