//! Map states: one iteration of the item processor per item (or per batch, for a
//! distributed Map with an ItemBatcher), at most MaxConcurrency at a time; the first failure
//! fails the state unless failures are tolerated. A distributed Map's items may come from its
//! ItemReader (`reader`) instead of its input, and its results may go to S3 through its
//! ResultWriter (`writer`), the Map's result then naming the manifest.

use super::dataflow::resolve_seconds;
use super::jsonata as js;
use super::scope::Scope;
use super::vars::Vars;
use super::writer::Child;
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
            items_path,
            items,
            item_selector,
            max_concurrency,
            tolerated_count,
            tolerated_percentage,
            distributed,
            processor,
        } = &st.kind
        else {
            unreachable!("a Map state")
        };
        let jsonata = st.ql == QueryLanguage::Jsonata;
        let tolerance = {
            let states = jsonata.then(|| js::states(st, &input, env.context, None, None));
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
        let target = match distributed.as_ref().and_then(|d| d.writer.as_ref()) {
            Some(w) => Some(self.writer_target(st, w, &input, env)?),
            None => None,
        };
        let reader = distributed.as_ref().and_then(|d| d.reader.as_ref());
        let batcher = distributed.as_ref().and_then(|d| d.batcher.as_ref());
        let read = match reader {
            Some(r) => Some(self.read_items(st, r, &input, env).await?),
            None => None,
        };
        let (items, limit, item_inputs) = {
            // `$states` holds no thread-bound value across the iterations' awaits.
            let states = jsonata.then(|| js::states(st, &input, env.context, None, None));
            let list = match (items, items_path) {
                _ if read.is_some() => read.map(Value::Array),
                (Some(t), _) => Some(t.eval(
                    states.as_ref().expect("JSONata"),
                    env.vars,
                    &st.name,
                    "Items",
                )?),
                (None, Some(p)) => p.select_in(&input, env).map(|c| c.into_owned()),
                (None, None) => Some(input.clone()),
            };
            let list = match list {
                Some(Value::Array(a)) => a,
                Some(other) if jsonata && items.is_some() => {
                    let e = items.as_ref().and_then(|t| t.single_expr());
                    return Err(match e {
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
                    });
                }
                other if jsonata => {
                    return Err(Failure::new(
                        crate::error::names::QUERY_EVALUATION_ERROR,
                        format!(
                            "Map state input must be an array but was: {}",
                            other.unwrap_or(Value::Null)
                        ),
                    ))
                }
                other => {
                    return Err(Failure::runtime(format!(
                        "Map state input must be an array but was: {}",
                        other.unwrap_or(Value::Null)
                    )))
                }
            };
            let limit = match max_concurrency {
                Some(m) => resolve_seconds(
                    m,
                    &input,
                    env,
                    "MaxConcurrency",
                    states.as_ref(),
                    &st.name,
                    true,
                )? as usize,
                None => 0,
            };
            let mut inputs = self.item_inputs(st, item_selector.as_ref(), &input, list, env)?;
            if let Some(b) = batcher {
                inputs = super::batch::batches(st, b, &input, env, inputs)?;
            }
            (inputs.len(), limit, inputs)
        };
        let items_len = items;
        let limit = if limit == 0 { items_len.max(1) } else { limit };
        let started = sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::MapStateStarted);
            e.map_state_started_event_details =
                Some(MapStateStartedEventDetails { length: items_len });
            e
        });
        let name = &st.name;
        let item_inputs_len = item_inputs.len();
        let kept_inputs = target.as_ref().map(|_| item_inputs.clone());
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
                let began = sc.ex.now();
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
                (i, r, began, sc.ex.now())
            });
        // Unordered, so that one slow iteration does not hold back the free slots.
        let n = item_inputs_len;
        let mut done = futures_util::stream::iter(runs).buffer_unordered(limit);
        let mut outs = vec![Value::Null; n];
        let mut r = Ok(());
        let mut failed = 0;
        // For a ResultWriter: when each iteration ran and how it ended.
        let mut ran: Vec<Option<_>> = Vec::new();
        if target.is_some() {
            ran.resize_with(n, || None);
        }
        while let Some((i, out, began, ended)) = done.next().await {
            if target.is_some() {
                ran[i] = Some((began, ended, out.clone()));
            }
            match out {
                Ok(v) => outs[i] = v,
                Err(f) => {
                    failed += 1;
                    if tolerance.is_set() {
                        if !tolerance.tolerates(failed, n) {
                            r = Err(Failure::new(
                                "States.ExceedToleratedFailureThreshold",
                                "The specified tolerated failure threshold was exceeded",
                            ));
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
        if let (Some(t), Some(inputs)) = (&target, kept_inputs) {
            let children = inputs
                .into_iter()
                .zip(ran)
                .map(|(input, ran)| Child {
                    input,
                    start: ran.as_ref().map(|r| r.0),
                    end: ran.map(|(_, ended, out)| (ended, out)),
                })
                .collect();
            // The results are written whether or not the Map run succeeded, as on AWS.
            let written = self.write_results(sc, st, t, started, children).await;
            r = match (r, written) {
                (Ok(()), Ok(v)) => {
                    outs = vec![v];
                    Ok(())
                }
                (Ok(()), Err(f)) | (Err(f), _) => Err(f),
            };
        }
        match r {
            Ok(()) if target.is_some() => {
                sc.emit(|| HistoryEvent::new(EventType::MapStateSucceeded));
                Ok(outs.pop().expect("the writer's result"))
            }
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

    /// Each iteration's input: the item, or the ItemSelector evaluated for it (with
    /// `$$.Map.Item` / `$states.context.Map.Item` set to its index and value).
    fn item_inputs(
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
struct Tolerance {
    count: Option<f64>,
    percentage: Option<f64>,
}

impl Tolerance {
    fn is_set(&self) -> bool {
        self.count.is_some() || self.percentage.is_some()
    }

    fn tolerates(&self, failed: usize, items: usize) -> bool {
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
