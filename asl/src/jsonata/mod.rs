//! JSONata as Step Functions uses it: `{% %}` strings, parsed and checked at load, evaluated
//! with `$states` and the workflow variables bound and no input document. Evaluation is done
//! by the `jsonata-core` crate (see docs/jsonata-differential.md for how it was chosen and
//! where it differs from jsonata 2.0.6); this module adds Step Functions' own functions and
//! its error shapes.

mod check;
mod functions;
mod values;

pub(crate) use check::Reads;
pub(crate) use jsonata_core::value::JValue;
pub(crate) use values::{to_jvalue, to_value};

use crate::error::{names, Failure};
use crate::path::VarSource;
use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorOptions};
use serde_json::{Map, Value};

/// Nesting deeper than this fails the expression instead of the thread's stack.
const MAX_DEPTH: usize = 300;
/// An expression running longer than this (an endless recursion) fails.
const TIMEOUT_MS: u64 = 10_000;

/// The expression inside a `{% ... %}` string, or `None` for any other string.
pub(crate) fn expression_text(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}")
}

/// A parsed `{% %}` expression.
#[derive(Debug)]
pub struct Expr {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    src: Box<str>,
    ast: AstNode,
    reads: Reads,
}

/// Where an expression sits, for messages: the state and the field path inside it
/// (`Output/v`, `Arguments/Payload[0]`, as Step Functions names them).
#[derive(Clone, Copy)]
pub struct Site<'a> {
    pub state: &'a str,
    pub field: &'a str,
}

impl Expr {
    /// Parses the text between `{%` and `%}`. The message of a refusal says what is wrong,
    /// for the caller to prefix with the state and field.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let ast = jsonata_core::parser::parse(text)
            .map_err(|e| format!("the JSONata expression '{text}' is not valid: {e}"))?;
        let reads = Reads::of(&ast);
        if let Some(what) = reads.top_level.first() {
            return Err(match what.as_str() {
                "$" | "$$" => format!(
                    "the JSONata expression '{text}' refers to '{what}', the input document, which \
                     Step Functions does not provide: use $states.input"
                ),
                _ => format!(
                    "the JSONata expression '{text}' refers to '{what}' at the top level, which \
                     Step Functions does not support: read it from $states.input or a variable"
                ),
            });
        }
        Ok(Expr {
            inner: Box::new(Inner {
                // AWS quotes an expression without the spaces inside `{% %}`.
                src: text.trim().into(),
                ast,
                reads,
            }),
        })
    }

    /// The failure for a result of the wrong type for its field.
    pub fn unexpected(&self, site: Site<'_>, expected: &str, got: &Value) -> Failure {
        let kind = match got {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        Failure::new(
            names::QUERY_EVALUATION_ERROR,
            // The run loop puts the state and its entered event in front, as AWS words it.
            format!(
                "The JSONata expression '{}' specified for the field '{}' returned an unexpected \
                 result type. Expected '{}', but was '{kind}' for value: {got}",
                self.inner.src,
                site.field,
                expected
                    .strip_prefix("an ")
                    .or_else(|| expected.strip_prefix("a "))
                    .unwrap_or(expected),
            ),
        )
    }

    pub fn reads(&self) -> &Reads {
        &self.inner.reads
    }

    pub fn as_str(&self) -> &str {
        &self.inner.src
    }

    /// Evaluates with `$states` bound to `states` and the variables it names taken from
    /// `vars`. A failure or an undefined result is `States.QueryEvaluationError`.
    pub fn eval(
        &self,
        states: &JValue,
        vars: &dyn VarSource,
        site: Site<'_>,
    ) -> Result<Value, Failure> {
        let mut ctx = Context::new();
        for name in &self.inner.reads.vars {
            if name == "states" {
                ctx.bind(name.clone(), states.clone());
            } else if let Some(v) = vars.var(name) {
                ctx.bind(name.clone(), to_jvalue(v));
            }
        }
        let options = EvaluatorOptions {
            timeout_ms: Some(TIMEOUT_MS),
            max_stack_depth: Some(MAX_DEPTH),
            ..EvaluatorOptions::default()
        };
        let mut ev = Evaluator::with_options(ctx, options);
        functions::register(&mut ev, &self.inner.reads.functions);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ev.evaluate(&self.inner.ast, &JValue::Undefined)
        }));
        let fail = |tail: String| {
            Failure::new(
                names::QUERY_EVALUATION_ERROR,
                format!(
                    "The JSONata expression '{}' specified for the field '{}' {tail}",
                    self.inner.src, site.field
                ),
            )
        };
        match r {
            Ok(Ok(v)) => match to_value(&v) {
                Some(v) => Ok(v),
                None if matches!(v, JValue::Undefined) => {
                    Err(fail("returned nothing (undefined).".into()))
                }
                None => Err(fail(
                    "returned a function, which is not a JSON value.".into(),
                )),
            },
            Ok(Err(e)) => {
                let msg = e.message();
                // AWS's evaluator does not name the function it could not call.
                let msg = match msg.split_once("Attempted to invoke a non-function: ") {
                    Some((head, _)) => format!("{head}Attempted to invoke a non-function"),
                    None => msg.to_string(),
                };
                Err(fail(format!("threw an error during evaluation. {msg}")))
            }
            Err(_) => Err(fail("threw an internal error during evaluation.".into())),
        }
    }
}

/// A JSON value in which strings of the form `{% ... %}` are expressions, at any depth, as
/// in `Arguments`, `Output`, `Assign` and `ItemSelector`. Subtrees with no expression are
/// kept as ready-made values.
#[derive(Debug)]
pub(crate) enum JTemplate {
    Literal(Value),
    Expr(Expr),
    Object(Vec<(String, JTemplate)>),
    Array(Vec<JTemplate>),
}

impl JTemplate {
    /// Compiles `v`; the error names the path inside the field (`/key`, `[i]`) where it is.
    pub(crate) fn compile(v: &Value) -> Result<JTemplate, (String, String)> {
        Self::compile_at(v, String::new())
    }

    fn compile_at(v: &Value, at: String) -> Result<JTemplate, (String, String)> {
        Ok(match v {
            Value::String(s) => match expression_text(s) {
                Some(text) => JTemplate::Expr(Expr::parse(text).map_err(|e| (at, e))?),
                None => JTemplate::Literal(v.clone()),
            },
            Value::Object(m) => {
                let fields = m
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), Self::compile_at(v, format!("{at}/{k}"))?)))
                    .collect::<Result<Vec<_>, (String, String)>>()?;
                if fields
                    .iter()
                    .all(|(_, t)| matches!(t, JTemplate::Literal(_)))
                {
                    JTemplate::Literal(v.clone())
                } else {
                    JTemplate::Object(fields)
                }
            }
            Value::Array(a) => {
                let items = a
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Self::compile_at(v, format!("{at}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                if items.iter().all(|t| matches!(t, JTemplate::Literal(_))) {
                    JTemplate::Literal(v.clone())
                } else {
                    JTemplate::Array(items)
                }
            }
            other => JTemplate::Literal(other.clone()),
        })
    }

    /// The expression when the whole template is one (`"Items": "{% ... %}"`).
    pub(crate) fn single_expr(&self) -> Option<&Expr> {
        match self {
            JTemplate::Expr(e) => Some(e),
            _ => None,
        }
    }

    /// Every expression in the template.
    pub(crate) fn exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match self {
            JTemplate::Literal(_) => {}
            JTemplate::Expr(e) => out.push(e),
            JTemplate::Object(f) => f.iter().for_each(|(_, t)| t.exprs(out)),
            JTemplate::Array(a) => a.iter().for_each(|t| t.exprs(out)),
        }
    }

    /// Evaluates every expression; `field` names the field the template is (`Output`).
    pub(crate) fn eval(
        &self,
        states: &JValue,
        vars: &dyn VarSource,
        state: &str,
        field: &str,
    ) -> Result<Value, Failure> {
        self.eval_at(states, vars, state, &mut field.to_owned())
    }

    fn eval_at(
        &self,
        states: &JValue,
        vars: &dyn VarSource,
        state: &str,
        at: &mut String,
    ) -> Result<Value, Failure> {
        Ok(match self {
            JTemplate::Literal(v) => v.clone(),
            JTemplate::Expr(e) => e.eval(states, vars, Site { state, field: at })?,
            JTemplate::Object(fields) => {
                let mut m = Map::with_capacity(fields.len());
                let len = at.len();
                for (k, t) in fields {
                    at.push('/');
                    at.push_str(k);
                    let v = t.eval_at(states, vars, state, at)?;
                    at.truncate(len);
                    m.insert(k.clone(), v);
                }
                Value::Object(m)
            }
            JTemplate::Array(items) => {
                let len = at.len();
                let mut out = Vec::with_capacity(items.len());
                for (i, t) in items.iter().enumerate() {
                    at.push_str(&format!("[{i}]"));
                    out.push(t.eval_at(states, vars, state, at)?);
                    at.truncate(len);
                }
                Value::Array(out)
            }
        })
    }
}

/// `$states` for one evaluation: the fields the state's expressions may read.
pub fn states_value(
    input: &Value,
    context: Option<&Value>,
    result: Option<&Value>,
    error_output: Option<&Value>,
) -> JValue {
    let mut m = indexmap::IndexMap::with_capacity(4);
    m.insert("input".to_owned(), to_jvalue(input));
    if let Some(c) = context {
        m.insert("context".to_owned(), to_jvalue(c));
    }
    if let Some(r) = result {
        m.insert("result".to_owned(), to_jvalue(r));
    }
    if let Some(e) = error_output {
        m.insert("errorOutput".to_owned(), to_jvalue(e));
    }
    JValue::object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::NoVars;
    use serde_json::json;

    fn run(e: &str, input: Value) -> Result<Value, Failure> {
        let x = Expr::parse(e).unwrap();
        x.eval(
            &states_value(&input, None, None, None),
            &NoVars,
            Site {
                state: "S",
                field: "Output",
            },
        )
    }

    #[test]
    fn evaluates_against_states_and_keeps_integers() {
        assert_eq!(
            run("$states.input.a * 2", json!({"a": 21})).unwrap(),
            json!(42)
        );
        assert_eq!(
            run("$states.input.a / 4", json!({"a": 1})).unwrap(),
            json!(0.25)
        );
        assert_eq!(
            run("{'n': $count($states.input.xs)}", json!({"xs": [1, 2]})).unwrap(),
            json!({"n": 2})
        );
    }

    #[test]
    fn undefined_and_errors_are_query_evaluation_errors() {
        let e = run("$states.input.missing", json!({})).unwrap_err();
        assert_eq!(e.error, "States.QueryEvaluationError");
        assert!(
            e.cause
                .ends_with("specified for the field 'Output' returned nothing (undefined)."),
            "{}",
            e.cause
        );
        let e = run("$states.input.s + 1", json!({"s": "x"})).unwrap_err();
        assert_eq!(e.error, "States.QueryEvaluationError");
        assert!(
            e.cause.contains("threw an error during evaluation. T2001"),
            "{}",
            e.cause
        );
        let e = run("$eval('1 + 1')", json!({})).unwrap_err();
        assert!(e.cause.contains("T1006"), "{}", e.cause);
    }

    #[test]
    fn parse_refuses_syntax_errors_and_top_level_references() {
        assert!(Expr::parse("a[1,2)").unwrap_err().contains("is not valid"));
        assert!(Expr::parse("phone")
            .unwrap_err()
            .contains("'phone' at the top level"));
        assert!(Expr::parse("$.total")
            .unwrap_err()
            .contains("$states.input"));
    }

    #[test]
    fn step_functions_functions() {
        assert_eq!(
            run("$partition([1,2,3,4,5], 2)", json!({})).unwrap(),
            json!([[1, 2], [3, 4], [5]])
        );
        assert_eq!(
            run("$range(0, 10, 2)", json!({})).unwrap(),
            json!([0, 2, 4, 6, 8, 10])
        );
        assert_eq!(
            run("$range(5, 1, -2)", json!({})).unwrap(),
            json!([5, 3, 1])
        );
        assert_eq!(
            run("$hash('input', 'SHA-1')", json!({})).unwrap(),
            json!("140f86aae51ab9e1cda9b4254fe98a74eb54c1a1")
        );
        assert_eq!(
            run("$random(42)", json!({})).unwrap(),
            json!(0.7275636800328681)
        );
        let r = run("$random()", json!({})).unwrap().as_f64().unwrap();
        assert!((0.0..1.0).contains(&r));
        let u = run("$uuid()", json!({})).unwrap();
        assert_eq!(
            uuid::Uuid::parse_str(u.as_str().unwrap())
                .unwrap()
                .get_version_num(),
            4
        );
        assert_eq!(
            run(
                "$parse($states.input.j).a[1]",
                json!({"j": "{\"a\": [1, 2]}"})
            )
            .unwrap(),
            json!(2)
        );
        assert_eq!(run("$formatBase(-2.5, 8)", json!({})).unwrap(), json!("-2"));
        assert_eq!(
            run("$encodeUrlComponent('a-b.c:d')", json!({})).unwrap(),
            json!("a-b.c%3Ad")
        );
    }

    #[test]
    fn templates_name_the_field_inside() {
        let t = JTemplate::compile(&json!({"a": {"b": ["x", "{% $states.input.nope %}"]}, "c": 1}))
            .unwrap();
        let e = t
            .eval(
                &states_value(&json!({}), None, None, None),
                &NoVars,
                "S",
                "Arguments",
            )
            .unwrap_err();
        assert!(e.cause.contains("'Arguments/a/b[1]'"), "{}", e.cause);
        let (at, msg) = JTemplate::compile(&json!({"k": ["{% phone %}"]})).unwrap_err();
        assert_eq!(at, "/k[0]");
        assert!(msg.contains("phone"));
        assert!(matches!(
            JTemplate::compile(&json!({"k": [1, "x"]})).unwrap(),
            JTemplate::Literal(_)
        ));
    }
}
