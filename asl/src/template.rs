//! Payload templates (Parameters, ItemSelector, ResultSelector): JSON whose keys ending in
//! `.$` take their value from a path or an intrinsic call. Compiled once; subtrees with no
//! dynamic part are kept as ready-made values.

use crate::error::Failure;
use crate::intrinsics::Intrinsic;
use crate::path::{Env, Path, Root};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    Literal(Value),
    Object(Box<ObjectTemplate>),
    Array(Vec<Template>),
    Path(String, Path),
    Intrinsic(String, Intrinsic),
}

/// An object with some dynamic fields: evaluating it clones `skeleton` (the literal fields
/// in place, `null` in the dynamic ones) and fills the dynamic slots by position, so no key is
/// looked up or hashed again.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectTemplate {
    skeleton: Map<String, Value>,
    /// One per entry of `skeleton`, in its order: `None` for a literal field.
    slots: Vec<Option<Template>>,
}

impl ObjectTemplate {
    fn new(fields: Vec<(String, Template)>) -> ObjectTemplate {
        let mut skeleton = Map::with_capacity(fields.len());
        let mut by_key: Vec<(String, Template)> = Vec::with_capacity(fields.len());
        for (k, t) in fields {
            let placeholder = match &t {
                Template::Literal(v) => v.clone(),
                _ => Value::Null,
            };
            skeleton.insert(k.clone(), placeholder);
            // A later field of the same name wins, as an insert would.
            by_key.retain(|(key, _)| *key != k);
            by_key.push((k, t));
        }
        let slots = skeleton
            .keys()
            .map(|k| {
                let (_, t) = by_key.iter().find(|(key, _)| key == k).expect("every key");
                match t {
                    Template::Literal(_) => None,
                    other => Some(other.clone()),
                }
            })
            .collect();
        ObjectTemplate { skeleton, slots }
    }

    fn templates(&self) -> impl Iterator<Item = &Template> {
        self.slots.iter().flatten()
    }
}

impl Template {
    /// Compiles a template; the error message names the offending key.
    pub fn compile(v: &Value) -> Result<Template, String> {
        Self::compile_inner(v)
    }

    fn compile_inner(v: &Value) -> Result<Template, String> {
        match v {
            Value::Object(m) => {
                let mut fields = Vec::with_capacity(m.len());
                let mut all_literal = true;
                for (k, v) in m {
                    let (key, t) = if let Some(base) = k.strip_suffix(".$") {
                        let s = v.as_str().ok_or_else(|| {
                            format!("key '{k}' ends in '.$' so its value must be a string")
                        })?;
                        let t = if s.starts_with('$') {
                            Template::Path(
                                k.clone(),
                                Path::parse(s).map_err(|e| format!("key '{k}': {e}"))?,
                            )
                        } else if s.starts_with("States.") {
                            Template::Intrinsic(
                                k.clone(),
                                Intrinsic::parse(s).map_err(|e| format!("key '{k}': {e}"))?,
                            )
                        } else {
                            return Err(format!(
                                "key '{k}': '{s}' is neither a path nor an intrinsic function"
                            ));
                        };
                        (base.to_owned(), t)
                    } else {
                        (k.clone(), Self::compile_inner(v)?)
                    };
                    all_literal &= matches!(t, Template::Literal(_));
                    fields.push((key, t));
                }
                if all_literal {
                    Ok(Template::Literal(Value::Object(
                        fields
                            .into_iter()
                            .map(|(k, t)| match t {
                                Template::Literal(v) => (k, v),
                                _ => unreachable!("all literal"),
                            })
                            .collect(),
                    )))
                } else {
                    Ok(Template::Object(Box::new(ObjectTemplate::new(fields))))
                }
            }
            Value::Array(a) => {
                let items = a
                    .iter()
                    .map(Self::compile_inner)
                    .collect::<Result<Vec<_>, _>>()?;
                if items.iter().all(|t| matches!(t, Template::Literal(_))) {
                    Ok(Template::Literal(v.clone()))
                } else {
                    Ok(Template::Array(items))
                }
            }
            other => Ok(Template::Literal(other.clone())),
        }
    }

    /// Every path this template reads.
    pub fn paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        match self {
            Template::Literal(_) => {}
            Template::Object(o) => o.templates().for_each(|t| t.paths(out)),
            Template::Array(a) => a.iter().for_each(|t| t.paths(out)),
            Template::Path(_, p) => out.push(p),
            Template::Intrinsic(_, i) => i.paths(out),
        }
    }

    pub fn uses_context(&self) -> bool {
        match self {
            Template::Literal(_) => false,
            Template::Object(o) => o.templates().any(Template::uses_context),
            Template::Array(a) => a.iter().any(Template::uses_context),
            Template::Path(_, p) => p.root() == Root::Context,
            Template::Intrinsic(_, i) => i.uses_context(),
        }
    }

    pub fn eval(&self, input: &Value, ctx: &Value) -> Result<Value, Failure> {
        self.eval_in(input, &Env::context_only(ctx))
    }

    /// Evaluates with the variables of `env` as well.
    pub fn eval_in(&self, input: &Value, env: &Env<'_>) -> Result<Value, Failure> {
        Ok(match self {
            Template::Literal(v) => v.clone(),
            Template::Object(o) => {
                let mut m = o.skeleton.clone();
                for (v, slot) in m.values_mut().zip(&o.slots) {
                    if let Some(t) = slot {
                        *v = t.eval_in(input, env)?;
                    }
                }
                Value::Object(m)
            }
            Template::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|t| t.eval_in(input, env))
                    .collect::<Result<_, _>>()?,
            ),
            Template::Path(key, p) => match p.select_in(input, env) {
                Some(v) => v.into_owned(),
                None => {
                    return Err(Failure::runtime(format!(
                        "The JSONPath '{p}' specified for the field '{key}' could not be found in the input '{}'",
                        match p.variable() {
                            Some(v) => env.vars.var(v).cloned().unwrap_or(Value::Null),
                            None if p.root() == Root::Context => env.context.clone(),
                            None => input.clone(),
                        }
                    )))
                }
            },
            Template::Intrinsic(_, i) => i.eval_in(input, env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn static_subtrees_are_precomputed() {
        let t = Template::compile(&json!({"a": {"b": [1, 2]}, "c": "x"})).unwrap();
        assert!(matches!(t, Template::Literal(_)));
        let t = Template::compile(&json!({"a": {"b": [1, 2]}, "c.$": "$.x"})).unwrap();
        match t {
            Template::Object(o) => {
                assert_eq!(o.slots.iter().filter(|s| s.is_none()).count(), 1);
                assert_eq!(o.skeleton["a"], json!({"b": [1, 2]}));
            }
            _ => panic!("expected an object template"),
        }
    }

    #[test]
    fn evaluates_paths_context_and_intrinsics() {
        let t = Template::compile(&json!({
            "id.$": "$.id",
            "nested": {"list": [{"v.$": "$.n[1]"}, 7]},
            "exec.$": "$$.Execution.Id",
            "msg.$": "States.Format('job {}', $.id)",
            "all.$": "$.n[*]"
        }))
        .unwrap();
        assert!(t.uses_context());
        let out = t
            .eval(
                &json!({"id": "j1", "n": [1, 2]}),
                &json!({"Execution": {"Id": "arn:x"}}),
            )
            .unwrap();
        assert_eq!(
            out,
            json!({"id": "j1", "nested": {"list": [{"v": 2}, 7]}, "exec": "arn:x", "msg": "job j1", "all": [1, 2]})
        );
    }

    #[test]
    fn fields_keep_their_order_and_a_later_field_of_a_name_wins() {
        let t = Template::compile(&json!({"z": 1, "a.$": "$.v", "m": [2]})).unwrap();
        let out = t.eval(&json!({"v": "x"}), &Value::Null).unwrap();
        assert_eq!(out, json!({"z": 1, "a": "x", "m": [2]}));
        // The order the template's object had (serde_json keeps insertion order in this build).
        let keys: Vec<&str> = out
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["z", "a", "m"]);
        // "a" then "a.$": the path wins; "b.$" then "b": the literal wins.
        let t = Template::compile(&json!({"a": 1, "a.$": "$.v", "b.$": "$.v", "b": 2})).unwrap();
        assert_eq!(
            t.eval(&json!({"v": "x"}), &Value::Null).unwrap(),
            json!({"a": "x", "b": 2})
        );
    }

    #[test]
    fn missing_path_is_a_runtime_error() {
        let t = Template::compile(&json!({"x.$": "$.nope"})).unwrap();
        let e = t.eval(&json!({}), &Value::Null).unwrap_err();
        assert_eq!(e.error, "States.Runtime");
        assert!(e.cause.contains("x.$"));
    }

    #[test]
    fn compile_errors_name_the_key() {
        let e = Template::compile(&json!({"a": {"b.$": 3}})).unwrap_err();
        assert!(e.contains("b.$"), "{e}");
        let e = Template::compile(&json!({"b.$": "nope"})).unwrap_err();
        assert!(e.contains("b.$"), "{e}");
        let e = Template::compile(&json!({"b.$": "$.a[(@.x)]"})).unwrap_err();
        assert!(e.contains("b.$"), "{e}");
        assert!(Template::compile(&json!({"b.$": "States.Nope()"})).is_err());
    }
}
