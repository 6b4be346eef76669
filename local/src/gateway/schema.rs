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
        Self::from_model(serde_json::from_str(CREATE_JOB).expect("create-job.json is JSON"))
    }

    fn from_model(schema: Value) -> Self {
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
/// (`/n: must be >=1, but got 0`).
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
mod tests;
