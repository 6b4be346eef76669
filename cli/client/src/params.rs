//! The job's parameters from the command line: a JSON object (`--params`,
//! `--params-file`) and `KEY=VALUE` pairs typed by the request model, checked
//! against that model before any request, so a mistake is told in the
//! schema's words and nothing is sent.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use jobs_wire::model::Field;
use serde_json::{Map, Value};

/// The request model, read from the one the servers validate with.
pub(crate) struct Model {
    schema: Value,
    fields: Vec<Field>,
}

impl Model {
    pub(crate) fn of_the_api() -> Self {
        Self::new(jobs_wire::model::request_model().clone())
    }

    pub(crate) fn new(schema: Value) -> Self {
        let fields = jobs_wire::model::fields(&schema);
        Self { schema, fields }
    }

    fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// One line per parameter: name, type, bounds, and its description.
    pub(crate) fn describe(&self) -> String {
        let mut out = String::new();
        for Field {
            name,
            schema,
            required,
            description,
            ..
        } in &self.fields
        {
            let mut facts = vec![type_name(schema)];
            if let Some(values) = schema["enum"].as_array() {
                let values: Vec<String> = values.iter().map(Value::to_string).collect();
                facts.push(format!("one of {}", values.join(", ")));
            }
            for (word, shown) in [
                ("minimum", ">="),
                ("maximum", "<="),
                ("minLength", "length >="),
                ("maxLength", "length <="),
            ] {
                if let Some(bound) = schema.get(word) {
                    facts.push(format!("{shown} {bound}"));
                }
            }
            if *required {
                facts.push("required".into());
            }
            out.push_str(&format!("{name}  ({})\n", facts.join(", ")));
            if let Some(text) = description {
                out.push_str(&format!("    {text}\n"));
            }
        }
        out
    }

    /// The parameters document: the JSON object given, then each pair typed
    /// by its property's schema, then the whole checked against the model.
    pub(crate) fn document(
        &self,
        json: Option<&str>,
        file: Option<&Path>,
        pairs: &[String],
    ) -> anyhow::Result<Value> {
        let mut object = match (json, file) {
            (Some(text), _) => parse_object(text, "--params")?,
            (None, Some(path)) => {
                let text = if path == Path::new("-") {
                    std::io::read_to_string(std::io::stdin()).context("reading stdin")?
                } else {
                    std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?
                };
                parse_object(&text, &path.display().to_string())?
            }
            (None, None) => Map::new(),
        };
        for pair in pairs {
            let (key, raw) = pair
                .split_once('=')
                .ok_or_else(|| anyhow!("{pair:?} is not KEY=VALUE (e.g. {})", self.hint()))?;
            let field = self.field(key).ok_or_else(|| {
                anyhow!("unknown parameter {key:?}; the job takes {}", self.names())
            })?;
            let value = jobs_wire::model::typed(raw, &field.schema)
                .map_err(|e| anyhow!("{key} {e}, not {raw:?}"))?;
            object.insert(key.to_owned(), value);
        }
        let document = Value::Object(object);
        self.check(&document)?;
        Ok(document)
    }

    fn names(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        if names.is_empty() {
            "no parameters".into()
        } else {
            names.join(", ")
        }
    }

    fn hint(&self) -> String {
        match self.fields.first() {
            Some(field) => format!("{}=...", field.name),
            None => "key=value".into(),
        }
    }

    fn check(&self, document: &Value) -> anyhow::Result<()> {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V4);
        compiler
            .add_resource("model.json", self.schema.clone())
            .map_err(|e| anyhow!("the request model: {e}"))?;
        let root = compiler
            .compile("model.json", &mut schemas)
            .map_err(|e| anyhow!("the request model: {e}"))?;
        if let Err(error) = schemas.validate(document, root) {
            let mut problems = Vec::new();
            leaves(&error, &mut problems);
            bail!(
                "the parameters do not fit the job: {} (see `submit --help-params`)",
                problems.join("; ")
            );
        }
        Ok(())
    }
}

fn leaves(error: &boon::ValidationError, out: &mut Vec<String>) {
    if error.causes.is_empty() {
        let at = error.instance_location.to_string();
        let at = if at.is_empty() {
            "the parameters".into()
        } else {
            at
        };
        out.push(format!("{at}: {}", error.kind));
    }
    for cause in &error.causes {
        leaves(cause, out);
    }
}

fn parse_object(text: &str, from: &str) -> anyhow::Result<Map<String, Value>> {
    match serde_json::from_str(text).with_context(|| format!("{from} is not JSON"))? {
        Value::Object(object) => Ok(object),
        other => bail!("{from} must be a JSON object, not {other}"),
    }
}

fn type_name(schema: &Value) -> String {
    match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(types) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            names.join(" or ")
        }
        _ if schema.get("enum").is_some() => "enum".into(),
        _ => "any JSON".into(),
    }
}

#[cfg(test)]
mod tests;
