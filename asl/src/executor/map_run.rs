//! A distributed Map: a Map Run whose iterations are child executions (`children`), its
//! items read from the input or by its ItemReader (`reader`), batched by its ItemBatcher
//! (`batch`), and its results written by its ResultWriter (`writer`).
//!
//! The parent's history holds MapStateStarted, MapRunStarted and MapRunSucceeded (or
//! MapRunFailed), not the iterations: those are in each child's own history. A child's
//! failure past the tolerated count or percentage (none, unless given) fails the run with
//! States.ExceedToleratedFailureThreshold and aborts the children still running.

use super::children::{outcome, ChildExecution, ChildPlan, MapRun};
use super::map::Tolerance;
use super::run::Body;
use super::scope::Scope;
use super::writer::Child;
use super::{AbortHandle, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor};
use crate::definition::{Distributed, Kind, State, StateSet};
use crate::error::Failure;
use crate::history::*;
use crate::path::Env;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::atomic::Ordering;
use tokio_util::sync::CancellationToken;

impl Executor {
    pub(super) async fn attempt_map_run(
        &self,
        sc: &Scope<'_>,
        st: &State,
        d: &Distributed,
        input: Value,
        env: &Env<'_>,
        mut tolerance: Tolerance,
    ) -> Result<Value, Failure> {
        let Kind::Map { processor, .. } = &st.kind else {
            unreachable!("a Map state")
        };
        // A distributed Map tolerates no failure unless told to.
        if !tolerance.is_set() {
            tolerance.count = Some(0.0);
        }
        let target = match &d.writer {
            Some(w) => Some(self.writer_target(st, w, &input, env)?),
            None => None,
        };
        // Items from the input are known before the run starts; a reader's are read by it.
        let listed = match d.reader {
            Some(_) => None,
            None => Some(self.input_items(st, &input, env)?),
        };
        let limit = self.concurrency(st, &input, env)?;
        let started = sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::MapStateStarted);
            e.map_state_started_event_details = Some(MapStateStartedEventDetails {
                length: listed.as_ref().map_or(0, Vec::len),
            });
            e
        });
        let run = MapRun::new(
            sc,
            st,
            d,
            processor,
            started,
            limit,
            (tolerance.count, tolerance.percentage),
        );
        sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::MapRunStarted);
            e.map_run_started_event_details = Some(MapRunStartedEventDetails {
                map_run_arn: run.info.arn.clone(),
            });
            e
        });
        if let Some(h) = &self.children {
            h.map_run_started(&run.info).await;
        }
        let r = self
            .map_run_body(sc, st, d, &run, listed, &input, env, &tolerance, target)
            .await;
        let ended = sc.emit(|| match &r {
            Ok(_) => HistoryEvent::new(EventType::MapRunSucceeded),
            Err(f) => {
                let mut e = HistoryEvent::new(EventType::MapRunFailed);
                e.map_run_failed_event_details = Some(ErrorEventDetails {
                    error: Some(f.error.clone()),
                    cause: Some(f.cause.clone()),
                });
                e
            }
        });
        if let Some(h) = &self.children {
            let status = match &r {
                Ok(_) => ExecutionStatus::Succeeded,
                Err(_) => ExecutionStatus::Failed,
            };
            h.map_run_ended(&run.info, status, r.as_ref().err()).await;
        }
        match r {
            Ok(v) => {
                sc.emit(|| HistoryEvent::new(EventType::MapStateSucceeded));
                // AWS's MapStateExited follows MapRunSucceeded, not MapStateSucceeded.
                if sc.ex.recorder.is_some() {
                    sc.last.store(ended, Ordering::Relaxed);
                }
                Ok(v)
            }
            Err(f) => {
                sc.emit(|| HistoryEvent::new(EventType::MapStateFailed));
                Err(f)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn map_run_body(
        &self,
        sc: &Scope<'_>,
        st: &State,
        d: &Distributed,
        run: &MapRun,
        listed: Option<Vec<Value>>,
        input: &Value,
        env: &Env<'_>,
        tolerance: &Tolerance,
        target: Option<super::writer::Target>,
    ) -> Result<Value, Failure> {
        let Kind::Map {
            item_selector,
            processor,
            ..
        } = &st.kind
        else {
            unreachable!("a Map state")
        };
        let list = match (listed, &d.reader) {
            (Some(l), _) => l,
            (None, Some(r)) => self.read_items(st, r, input, env).await?,
            (None, None) => unreachable!("items from the input or a reader"),
        };
        let mut inputs = self.item_inputs(st, item_selector.as_ref(), input, list, env)?;
        if let Some(b) = &d.batcher {
            inputs = super::batch::batches(st, b, input, env, inputs)?;
        }
        let n = inputs.len();
        if let Some(h) = &self.children {
            h.map_run_items(&run.info, n).await;
        }
        let limit = match run.info.max_concurrency {
            0 => n.max(1),
            l => l,
        };
        let kept = target.as_ref().map(|_| inputs.clone());
        let results = self
            .run_children(sc, run, processor, inputs, limit, tolerance, n)
            .await;
        let (r, outs, ran) = results;
        let Some(t) = target else {
            return r.map(|()| Value::Array(outs));
        };
        let children = kept
            .expect("kept for the writer")
            .into_iter()
            .zip(ran)
            .enumerate()
            .map(|(i, (input, ran))| {
                let c = run.child(i, input);
                Child {
                    name: c.name,
                    arn: c.arn,
                    input: c.input,
                    start: ran.as_ref().map(|r| r.start_date),
                    end: ran
                        .filter(|r| r.status != ExecutionStatus::Aborted)
                        .map(|r| (r.stop_date, outcome(&r))),
                }
            })
            .collect();
        // The results are written whether or not the run succeeded, as on AWS.
        let written = self.write_results(st, &t, run, children).await;
        match (r, written) {
            (Ok(()), Ok(v)) => Ok(v),
            (Ok(()), Err(f)) | (Err(f), _) => Err(f),
        }
    }

    /// Runs the children, at most `limit` at a time; returns how the run ended, the
    /// children's results in item order, and each child's execution (none: it never ran).
    #[allow(clippy::too_many_arguments)]
    async fn run_children(
        &self,
        sc: &Scope<'_>,
        run: &MapRun,
        processor: &StateSet,
        inputs: Vec<Value>,
        limit: usize,
        tolerance: &Tolerance,
        n: usize,
    ) -> (
        Result<(), Failure>,
        Vec<Value>,
        Vec<Option<ExecutionResult>>,
    ) {
        let stop = CancellationToken::new();
        let role = sc.ex.role_arn.as_deref();
        let stop_ref = &stop;
        let runs = inputs.into_iter().enumerate().map(|(i, item)| async move {
            // Once the run has failed, the children not yet started never start.
            if stop_ref.is_cancelled() {
                return (i, None);
            }
            let child = run.child(i, item);
            let abort = AbortHandle {
                token: stop_ref.child_token(),
                reason: Default::default(),
            };
            let r = self
                .run_child(run, processor, &child, role, sc.ex.now(), abort)
                .await;
            (i, Some(r))
        });
        // Unordered, so that one slow child does not hold back the free slots.
        let mut done = futures_util::stream::iter(runs).buffer_unordered(limit);
        let mut outs = vec![Value::Null; n];
        let mut ran: Vec<Option<ExecutionResult>> = vec![None; n];
        let mut r = Ok(());
        let mut failed = 0;
        // Drained to the end, so that the children a failure aborts record their end.
        while let Some((i, res)) = done.next().await {
            let Some(res) = res else { continue };
            match outcome(&res) {
                Ok(v) => outs[i] = v,
                Err(_) if stop.is_cancelled() => {}
                Err(f) => {
                    failed += 1;
                    if tolerance.tolerates(failed, n) {
                        // A tolerated failure leaves its error output in the item's place.
                        outs[i] = f.error_output();
                    } else {
                        r = Err(Tolerance::exceeded());
                        stop.cancel();
                    }
                }
            }
            ran[i] = Some(res);
        }
        (r, outs, ran)
    }
}

impl Executor {
    /// Runs one child of `run` (or takes the result it had before a restart), telling the
    /// host. `role` is the parent's role, which its children run as.
    pub(super) async fn run_child(
        &self,
        run: &MapRun,
        processor: &StateSet,
        child: &ChildExecution,
        role: Option<&str>,
        parent_now: DateTime<Utc>,
        abort: AbortHandle,
    ) -> ExecutionResult {
        let plan = match &self.children {
            Some(h) => h.child_starting(&run.info, child).await,
            None => ChildPlan::Run {
                sink: None,
                resume: None,
            },
        };
        let (sink, resume) = match plan {
            ChildPlan::Ended(r) => return r,
            ChildPlan::Run { sink, resume } => (sink, resume),
        };
        let mut spec = ExecutionSpec::new(&child.name, &child.arn, child.input.clone());
        spec.sink = sink;
        spec.resume = resume;
        spec.abort = Some(abort);
        spec.state_machine_arn = Some(run.info.state_machine_arn.clone());
        spec.role_arn = role.map(str::to_owned);
        let body = Body {
            set: processor,
            timeout: None,
            keeps_input: run.keeps_input,
            start_wall: Some(parent_now),
        };
        let result = Box::pin(self.run_body(spec, body)).await;
        if let Some(h) = &self.children {
            h.child_ended(&run.info, child, &result).await;
        }
        result
    }
}
