//! Map states: one iteration of the item processor per item, at most MaxConcurrency at a
//! time; the first failure fails the state unless failures are tolerated. A distributed Map
//! runs its iterations as child executions of a Map Run instead (`map_run`).

use super::dataflow::resolve_seconds;
use super::jsonata as js;
use super::scope::Scope;
use super::vars::Vars;
use super::Executor;
use crate::definition::{Amount, Kind, QueryLanguage, Selector, State};
use crate::error::Failure;
use crate::history::*;
use crate::path::Env;
use futures_util::StreamExt;
use serde_json::{json, Value};

impl Executor {
    pub(super) async fn attempt_map(
        &self,
        sc: &Scope<'_>,
        st: &State,
        input: Value,
        env: &Env<'_>,
        vars: &Vars<'_>,
    ) -> Result<Value, Failure> {
        let Kind::Map {
            item_selector,
            tolerated_count,
            tolerated_percentage,
            distributed,
            processor,
            ..
        } = &st.kind
        else {
            unreachable!("a Map state")
        };
        let tolerance = {
            let states = (st.ql == QueryLanguage::Jsonata)
                .then(|| js::states(st, &input, env.context, None, None));
            Tolerance {
                count: tolerated_count
                    .as_ref()
                    .map(|a| tolerated(a, st, &input, env, states.as_ref(), "Count"))
                    .transpose()?,
                percentage: tolerated_percentage
                    .as_ref()
                    .map(|a| tolerated(a, st, &input, env, states.as_ref(), "Percentage"))
                    .transpose()?,
            }
        };
        if let Some(d) = distributed {
            return self.attempt_map_run(sc, st, d, input, env, tolerance).await;
        }
        let (item_inputs, limit) = {
            let items = self.input_items(st, &input, env)?;
            let limit = self.concurrency(st, &input, env)?;
            (
                self.item_inputs(st, item_selector.as_ref(), &input, items, env)?,
                limit,
            )
        };
        let n = item_inputs.len();
        let limit = if limit == 0 { n.max(1) } else { limit };
        let started = sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::MapStateStarted);
            e.map_state_started_event_details = Some(MapStateStartedEventDetails { length: n });
            e
        });
        let name = &st.name;
        let runs = item_inputs
            .into_iter()
            .enumerate()
            .map(|(i, item)| async move {
                let it = Scope::nested(sc.ex, started);
                let iter_ev = |t: EventType| {
                    let mut e = HistoryEvent::new(t);
                    let d = Some(MapIterationEventDetails {
                        name: name.to_string(),
                        index: i,
                    });
                    match t {
                        EventType::MapIterationStarted => e.map_iteration_started_event_details = d,
                        EventType::MapIterationSucceeded => {
                            e.map_iteration_succeeded_event_details = d
                        }
                        _ => e.map_iteration_failed_event_details = d,
                    }
                    e
                };
                it.emit(|| iter_ev(EventType::MapIterationStarted));
                let r = self
                    .run_set(&it, processor, processor.start, item, Some(vars))
                    .await;
                it.emit(|| {
                    iter_ev(if r.is_ok() {
                        EventType::MapIterationSucceeded
                    } else {
                        EventType::MapIterationFailed
                    })
                });
                (i, r)
            });
        // Unordered, so that one slow iteration does not hold back the free slots.
        let mut done = futures_util::stream::iter(runs).buffer_unordered(limit);
        let mut outs = vec![Value::Null; n];
        let mut r = Ok(());
        let mut failed = 0;
        while let Some((i, out)) = done.next().await {
            match out {
                Ok(v) => outs[i] = v,
                Err(f) => {
                    failed += 1;
                    if tolerance.is_set() {
                        if !tolerance.tolerates(failed, n) {
                            r = Err(Tolerance::exceeded());
                            break;
                        }
                        // A tolerated failure leaves its error output in the item's place.
                        outs[i] = f.error_output();
                        continue;
                    }
                    r = Err(f);
                    break;
                }
            }
        }
        drop(done);
        match r {
            Ok(()) => {
                sc.emit(|| HistoryEvent::new(EventType::MapStateSucceeded));
                Ok(Value::Array(outs))
            }
            Err(f) => {
                sc.emit(|| HistoryEvent::new(EventType::MapStateFailed));
                Err(f)
            }
        }
    }

    /// The items of the Map `st` that come from its input (`Items`, `ItemsPath` or the input
    /// itself), which must be an array.
    pub(super) fn input_items(
        &self,
        st: &State,
        input: &Value,
        env: &Env<'_>,
    ) -> Result<Vec<Value>, Failure> {
        let Kind::Map {
            items_path, items, ..
        } = &st.kind
        else {
            unreachable!("a Map state")
        };
        let jsonata = st.ql == QueryLanguage::Jsonata;
        // `$states` holds no thread-bound value across an await: none happens here.
        let states = jsonata.then(|| js::states(st, input, env.context, None, None));
        let list = match (items, items_path) {
            (Some(t), _) => Some(t.eval(
                states.as_ref().expect("JSONata"),
                env.vars,
                &st.name,
                "Items",
            )?),
            (None, Some(p)) => p.select_in(input, env).map(|c| c.into_owned()),
            (None, None) => Some(input.clone()),
        };
        match list {
            Some(Value::Array(a)) => Ok(a),
            Some(other) if jsonata && items.is_some() => {
                let e = items.as_ref().and_then(|t| t.single_expr());
                Err(match e {
                    Some(e) => e.unexpected(
                        crate::jsonata::Site {
                            state: &st.name,
                            field: "Items",
                        },
                        "array",
                        &other,
                    ),
                    None => Failure::new(
                        crate::error::names::QUERY_EVALUATION_ERROR,
                        format!("Map state input must be an array but was: {other}"),
                    ),
                })
            }
            other if jsonata => Err(Failure::new(
                crate::error::names::QUERY_EVALUATION_ERROR,
                format!(
                    "Map state input must be an array but was: {}",
                    other.unwrap_or(Value::Null)
                ),
            )),
            other => Err(Failure::runtime(format!(
                "Map state input must be an array but was: {}",
                other.unwrap_or(Value::Null)
            ))),
        }
    }

    /// `MaxConcurrency` (or its path or expression) of the Map `st`; 0 for no limit.
    pub(super) fn concurrency(
        &self,
        st: &State,
        input: &Value,
        env: &Env<'_>,
    ) -> Result<usize, Failure> {
        let Kind::Map {
            max_concurrency, ..
        } = &st.kind
        else {
            unreachable!("a Map state")
        };
        let Some(m) = max_concurrency else {
            return Ok(0);
        };
        let states = (st.ql == QueryLanguage::Jsonata)
            .then(|| js::states(st, input, env.context, None, None));
        Ok(resolve_seconds(
            m,
            input,
            env,
            "MaxConcurrency",
            states.as_ref(),
            &st.name,
            true,
        )? as usize)
    }

    /// Each iteration's input: the item, or the ItemSelector evaluated for it (with
    /// `$$.Map.Item` / `$states.context.Map.Item` set to its index and value).
    pub(super) fn item_inputs(
        &self,
        st: &State,
        selector: Option<&Selector>,
        input: &Value,
        items: Vec<Value>,
        env: &Env<'_>,
    ) -> Result<Vec<Value>, Failure> {
        let Some(sel) = selector else {
            return Ok(items);
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let with_item = |ctx: &Value| {
                let mut c = ctx.clone();
                if !c.is_object() {
                    c = json!({});
                }
                c["Map"] = json!({"Item": {"Index": i, "Value": item}});
                c
            };
            out.push(match sel {
                Selector::Path(t) if st.needs_context => {
                    let c = with_item(env.context);
                    t.eval_in(
                        input,
                        &Env {
                            context: &c,
                            vars: env.vars,
                        },
                    )?
                }
                Selector::Path(t) => t.eval_in(
                    input,
                    &Env {
                        context: &Value::Null,
                        vars: env.vars,
                    },
                )?,
                Selector::Jsonata(t) => {
                    // The item is always there for a JSONata selector, which reads it
                    // through the context object.
                    let c = with_item(env.context);
                    let states = crate::jsonata::states_value(input, Some(&c), None, None);
                    t.eval(&states, env.vars, &st.name, "ItemSelector")?
                }
            });
        }
        Ok(out)
    }
}

/// The failures a Map tolerates: a count and a percentage of its items (both when both are
/// given).
pub(super) struct Tolerance {
    pub count: Option<f64>,
    pub percentage: Option<f64>,
}

impl Tolerance {
    /// AWS's failure of a Map whose failed items are more than it tolerates.
    pub(super) fn exceeded() -> Failure {
        Failure::new(
            "States.ExceedToleratedFailureThreshold",
            "The specified tolerated failure threshold was exceeded",
        )
    }

    pub(super) fn is_set(&self) -> bool {
        self.count.is_some() || self.percentage.is_some()
    }

    pub(super) fn tolerates(&self, failed: usize, items: usize) -> bool {
        let failed = failed as f64;
        self.count.is_none_or(|c| failed <= c)
            && self
                .percentage
                .is_none_or(|p| failed * 100.0 <= p * items.max(1) as f64)
    }
}

/// A tolerated-failure count or percentage (`what`), checked as AWS checks it.
fn tolerated(
    a: &Amount,
    st: &State,
    input: &Value,
    env: &Env<'_>,
    states: Option<&crate::jsonata::JValue>,
    what: &str,
) -> Result<f64, Failure> {
    let field = format!("ToleratedFailure{what}");
    let v = super::dataflow::amount_value(a, &st.name, input, env, states, &field)?;
    // A number written as text is read as the number, as AWS reads it.
    let n = match (what, &v) {
        ("Count", Value::String(t)) => t.trim().parse::<i64>().ok().map(|n| n as f64),
        ("Percentage", Value::String(t)) => t.trim().parse::<f64>().ok(),
        ("Count", v) => v.as_i64().map(|n| n as f64),
        (_, v) => v.as_f64(),
    };
    let Some(n) = n else {
        let kind = if what == "Count" { "integer" } else { "float" };
        let at = match a {
            Amount::Path(p) => p.to_string(),
            _ => field.clone(),
        };
        return Err(Failure::runtime(format!(
            "The {field}Path field refers to value \"{}\" which is not a valid {kind}: {at}",
            super::dataflow::shown(&v)
        )));
    };
    if what == "Count" && n < 0.0 {
        return Err(Failure::runtime(
            "ToleratedFailureCount cannot be negative.",
        ));
    }
    if what == "Percentage" && !(0.0..=100.0).contains(&n) {
        return Err(Failure::runtime(
            "ToleratedFailurePercentage must be between 0 and 100.",
        ));
    }
    Ok(n)
}
