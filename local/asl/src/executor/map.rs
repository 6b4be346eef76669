//! Map states (inline): one iteration of the item processor per item, at most
//! MaxConcurrency at a time; the first failure fails the state.

use super::dataflow::resolve_seconds;
use super::run::Scope;
use super::Executor;
use crate::definition::{Kind, State};
use crate::error::Failure;
use crate::history::*;
use futures_util::StreamExt;
use serde_json::{json, Value};

impl Executor {
    pub(super) async fn attempt_map(
        &self,
        sc: &Scope<'_>,
        st: &State,
        input: Value,
        ctx: &Value,
    ) -> Result<Value, Failure> {
        let Kind::Map {
            items_path,
            item_selector,
            max_concurrency,
            processor,
        } = &st.kind
        else {
            unreachable!("a Map state")
        };
        let items = match items_path {
            Some(p) => p.select(&input, ctx).map(|c| c.into_owned()),
            None => Some(input.clone()),
        };
        let items = match items {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(Failure::runtime(format!(
                    "Map state '{}': the ItemsPath '{}' does not point to an array",
                    st.name,
                    items_path.as_ref().map(|p| p.as_str()).unwrap_or("$")
                )))
            }
        };
        let limit = match max_concurrency {
            Some(m) => resolve_seconds(m, &input, ctx, "MaxConcurrencyPath")? as usize,
            None => 0,
        };
        let limit = if limit == 0 {
            items.len().max(1)
        } else {
            limit
        };
        let started = sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::MapStateStarted);
            e.map_state_started_event_details = Some(MapStateStartedEventDetails {
                length: items.len(),
            });
            e
        });
        let mut item_inputs = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            item_inputs.push(match item_selector {
                Some(t) if st.needs_context => {
                    let mut c = ctx.clone();
                    c["Map"] = json!({"Item": {"Index": i, "Value": item}});
                    t.eval(&input, &c)?
                }
                Some(t) => t.eval(&input, &Value::Null)?,
                None => item,
            });
        }
        let name = &st.name;
        let item_inputs_len = item_inputs.len();
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
                let r = self.run_set(&it, processor, processor.start, item).await;
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
        let n = item_inputs_len;
        let mut done = futures_util::stream::iter(runs).buffer_unordered(limit);
        let mut outs = vec![Value::Null; n];
        let mut r = Ok(());
        while let Some((i, out)) = done.next().await {
            match out {
                Ok(v) => outs[i] = v,
                Err(f) => {
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
}
