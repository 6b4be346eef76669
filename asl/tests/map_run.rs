//! A distributed Map's Map Run: each iteration is a child execution with its own name, ARN,
//! context and history, told to the host through `ChildExecutions`; the parent's history has
//! the Map Run events AWS records instead of iterations; failures past the tolerance fail the
//! run and abort the children still running; a resumed run keeps its ARN and takes back the
//! children that had ended; fields only a distributed Map has are refused on an INLINE one.

use async_trait::async_trait;
use jobs_asl::{
    ChildExecution, ChildExecutions, ChildPlan, EventType, ExecutionResult, ExecutionSpec,
    ExecutionStatus, Executor, Failure, HistoryEvent, HistorySink, MapRunInfo, Resume,
    StateMachine, TaskContext, TaskError, TaskHandler,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const ARN: &str = "arn:aws:states:local:1:execution:m:e";

/// Counts its calls; fails with `Item.Bad` for a negative `n`.
#[derive(Default)]
struct Work {
    calls: Mutex<Vec<Value>>,
}

#[async_trait]
impl TaskHandler for Work {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        self.calls.lock().unwrap().push(input.clone());
        if input["n"].as_i64().unwrap_or(0) < 0 {
            return Err(TaskError::new("Item.Bad", "negative"));
        }
        if let Some(s) = input["sleep"].as_u64() {
            tokio::time::sleep(std::time::Duration::from_secs(s)).await;
        }
        Ok(json!({"done": input["n"]}))
    }
}

/// Records what the Map tells its host; answers `child_starting` from `ended` when a child
/// is there (a child that ended before a restart).
#[derive(Default)]
struct Host {
    started: Mutex<Vec<MapRunInfo>>,
    totals: Mutex<Vec<usize>>,
    starting: Mutex<Vec<ChildExecution>>,
    histories: Arc<Mutex<HashMap<String, Vec<HistoryEvent>>>>,
    ended: Mutex<Vec<(ChildExecution, ExecutionStatus)>>,
    run_end: Mutex<Vec<(ExecutionStatus, Option<String>)>>,
    recorded: HashMap<usize, ExecutionResult>,
}

struct Sink(Arc<Mutex<HashMap<String, Vec<HistoryEvent>>>>);

impl HistorySink for Sink {
    fn record(&self, execution: &str, event: &HistoryEvent) {
        let mut h = self.0.lock().unwrap();
        h.entry(execution.to_owned())
            .or_default()
            .push(event.clone());
    }
}

#[async_trait]
impl ChildExecutions for Host {
    async fn map_run_started(&self, run: &MapRunInfo) {
        self.started.lock().unwrap().push(run.clone());
    }
    async fn map_run_items(&self, _: &MapRunInfo, total: usize) {
        self.totals.lock().unwrap().push(total);
    }
    async fn child_starting(&self, _: &MapRunInfo, child: &ChildExecution) -> ChildPlan {
        self.starting.lock().unwrap().push(child.clone());
        match self.recorded.get(&child.index) {
            Some(r) => ChildPlan::Ended(r.clone()),
            None => ChildPlan::Run {
                sink: Some(Arc::new(Sink(self.histories.clone()))),
                resume: None,
            },
        }
    }
    async fn child_ended(&self, _: &MapRunInfo, child: &ChildExecution, r: &ExecutionResult) {
        self.ended.lock().unwrap().push((child.clone(), r.status));
    }
    async fn map_run_ended(&self, _: &MapRunInfo, s: ExecutionStatus, f: Option<&Failure>) {
        self.run_end
            .lock()
            .unwrap()
            .push((s, f.map(|f| f.error.clone())));
    }
}

/// A distributed Map `Fan` over `$.items` whose child runs `Work` (a Task), with `extra`
/// fields on the Map and `config` as its ProcessorConfig.
fn fan(extra: Value, config: Value) -> StateMachine {
    let mut map = json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "ProcessorConfig": config,
            "StartAt": "Work",
            "States": {
                "Work": {"Type": "Task", "Resource": "arn:aws:lambda:local:1:function:work", "Next": "Who"},
                "Who": {
                    "Type": "Pass",
                    "Parameters": {
                        "result.$": "$",
                        "id.$": "$$.Execution.Id",
                        "name.$": "$$.Execution.Name",
                        "input.$": "$$.Execution.Input",
                        "machine.$": "$$.StateMachine.Name",
                        "machineId.$": "$$.StateMachine.Id"
                    },
                    "End": true
                }
            }
        },
        "End": true
    });
    for (k, v) in extra.as_object().unwrap() {
        map[k] = v.clone();
    }
    StateMachine::from_value(&json!({"StartAt": "Fan", "States": {"Fan": map}})).unwrap()
}

fn standard() -> Value {
    json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})
}

async fn run(
    machine: StateMachine,
    host: Arc<Host>,
    work: Arc<Work>,
    input: Value,
) -> ExecutionResult {
    run_spec(machine, host, work, ExecutionSpec::new("e", ARN, input)).await
}

async fn run_spec(
    machine: StateMachine,
    host: Arc<Host>,
    work: Arc<Work>,
    spec: ExecutionSpec,
) -> ExecutionResult {
    Executor::new(Arc::new(machine), work)
        .with_children(host)
        .run(spec.with_history())
        .await
}

fn types(h: &[HistoryEvent]) -> Vec<EventType> {
    h.iter().map(|e| e.event_type).collect()
}

#[tokio::test]
async fn each_item_runs_as_a_child_execution_of_its_own() {
    let host = Arc::new(Host::default());
    let work = Arc::new(Work::default());
    let items = json!([{"n": 1}, {"n": 2}, {"n": 3}]);
    let r = run(
        fan(json!({"Label": "Fan"}), standard()),
        host.clone(),
        work,
        json!({"items": items}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    use EventType::*;
    assert_eq!(
        types(&r.history),
        [
            ExecutionStarted,
            MapStateEntered,
            MapStateStarted,
            MapRunStarted,
            MapRunSucceeded,
            MapStateSucceeded,
            MapStateExited,
            ExecutionSucceeded
        ]
    );
    let h = &r.history;
    assert_eq!(
        h[2].map_state_started_event_details
            .as_ref()
            .unwrap()
            .length,
        3
    );
    let run_arn = &h[3]
        .map_run_started_event_details
        .as_ref()
        .unwrap()
        .map_run_arn;
    let run_id = run_arn
        .strip_prefix("arn:aws:states:local:1:mapRun:m/Fan:")
        .unwrap_or_else(|| panic!("{run_arn}"));
    // As AWS records it, the exit follows MapRunSucceeded.
    assert_eq!(h[6].previous_event_id, h[4].id);

    let info = host.started.lock().unwrap()[0].clone();
    assert_eq!(&info.arn, run_arn);
    assert_eq!(info.execution_arn, ARN);
    assert_eq!(
        info.state_machine_arn,
        "arn:aws:states:local:1:stateMachine:m/Fan"
    );
    assert_eq!(*host.totals.lock().unwrap(), [3]);

    let out = r.output.unwrap();
    let children = host.starting.lock().unwrap().clone();
    assert_eq!(children.len(), 3);
    let histories = host.histories.lock().unwrap();
    for (i, c) in children.iter().enumerate() {
        assert_eq!(c.index, i);
        assert_eq!(
            c.arn,
            format!("arn:aws:states:local:1:execution:m/Fan:{}", c.name)
        );
        // The child sees its own execution in the context, and the labelled machine.
        let o = &out[i];
        assert_eq!(o["id"], c.arn);
        assert_eq!(o["name"], c.name);
        assert_eq!(o["input"], items[i]);
        assert_eq!(o["machine"], "m/Fan");
        assert_eq!(o["machineId"], info.state_machine_arn);
        assert_eq!(o["result"], json!({"done": i + 1}));
        let events = &histories[&c.arn];
        assert_eq!(events[0].event_type, ExecutionStarted);
        assert_eq!(events.last().unwrap().event_type, ExecutionSucceeded);
        assert!(events.iter().any(|e| e.state_name() == Some("Work")));
    }
    assert!(!run_id.is_empty());
    assert_ne!(children[0].name, children[1].name);
    assert!(host
        .ended
        .lock()
        .unwrap()
        .iter()
        .all(|(_, s)| *s == ExecutionStatus::Succeeded));
    assert_eq!(
        *host.run_end.lock().unwrap(),
        [(ExecutionStatus::Succeeded, None)]
    );
}

#[tokio::test]
async fn one_failed_child_fails_the_run_unless_tolerated() {
    let items = json!({"items": [{"n": 1}, {"n": -1}, {"n": 2}]});
    let host = Arc::new(Host::default());
    let r = run(
        fan(json!({"MaxConcurrency": 1}), standard()),
        host.clone(),
        Arc::new(Work::default()),
        items.clone(),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(
        r.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    let failed = r
        .history
        .iter()
        .find(|e| e.event_type == EventType::MapRunFailed)
        .expect("MapRunFailed");
    let d = failed.map_run_failed_event_details.as_ref().unwrap();
    assert_eq!(
        d.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    // One at a time: the child after the failed one never starts.
    assert_eq!(host.starting.lock().unwrap().len(), 2);
    assert_eq!(
        *host.run_end.lock().unwrap(),
        [(
            ExecutionStatus::Failed,
            Some("States.ExceedToleratedFailureThreshold".to_owned())
        )]
    );

    let r = run(
        fan(json!({"ToleratedFailureCount": 1}), standard()),
        Arc::new(Host::default()),
        Arc::new(Work::default()),
        items,
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    let out = r.output.unwrap();
    assert_eq!(out[1]["Error"], "Item.Bad");
    assert_eq!(out[2]["result"], json!({"done": 2}));
}

#[tokio::test(start_paused = true)]
async fn a_failed_run_aborts_the_children_still_running() {
    let host = Arc::new(Host::default());
    let r = run(
        fan(json!({}), standard()),
        host.clone(),
        Arc::new(Work::default()),
        json!({"items": [{"n": 1, "sleep": 100}, {"n": -1}]}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    let ended = host.ended.lock().unwrap();
    let status_of = |i: usize| ended.iter().find(|(c, _)| c.index == i).unwrap().1;
    assert_eq!(status_of(0), ExecutionStatus::Aborted);
    assert_eq!(status_of(1), ExecutionStatus::Failed);
    let histories = host.histories.lock().unwrap();
    let first = &histories[&ended.iter().find(|(c, _)| c.index == 0).unwrap().0.arn];
    assert_eq!(
        first.last().unwrap().event_type,
        EventType::ExecutionAborted
    );
}

#[tokio::test]
async fn a_resumed_run_keeps_its_arn_and_takes_back_the_children_that_ended() {
    let machine = || fan(json!({"Label": "Fan"}), standard());
    let input = json!({"items": [{"n": 1}, {"n": 2}]});
    let first = run(
        machine(),
        Arc::new(Host::default()),
        Arc::new(Work::default()),
        input.clone(),
    )
    .await;
    let arn = first.history[3]
        .map_run_started_event_details
        .clone()
        .unwrap()
        .map_run_arn;
    let kept = ExecutionResult {
        output: Some(json!("kept from before")),
        ..first.clone()
    };
    let host = Arc::new(Host {
        recorded: HashMap::from([(0, kept)]),
        ..Host::default()
    });
    let work = Arc::new(Work::default());
    let resumed = run_spec(
        machine(),
        host.clone(),
        work.clone(),
        ExecutionSpec::new("e", ARN, json!(null)).with_resume(Resume {
            state: "Fan".into(),
            input,
            after_event_id: 2,
            wait: None,
            map_run_arn: Some(arn.clone()),
        }),
    )
    .await;
    assert_eq!(resumed.status, ExecutionStatus::Succeeded, "{resumed:?}");
    let again = resumed
        .history
        .iter()
        .find_map(|e| e.map_run_started_event_details.clone())
        .unwrap();
    assert_eq!(again.map_run_arn, arn);
    let out = resumed.output.unwrap();
    assert_eq!(out[0], "kept from before");
    // Only the child that had not ended ran its task.
    assert_eq!(*work.calls.lock().unwrap(), [json!({"n": 2})]);
    let names: Vec<String> = host
        .starting
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let before = first.output.unwrap();
    assert_eq!(names[1], before[1]["name"]);
}

#[tokio::test]
async fn express_children_have_express_arns() {
    let host = Arc::new(Host::default());
    let r = run(
        fan(
            json!({"Label": "Fan"}),
            json!({"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}),
        ),
        host.clone(),
        Arc::new(Work::default()),
        json!({"items": [{"n": 1}]}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded);
    let info = host.started.lock().unwrap()[0].clone();
    assert!(info.express);
    let run_id = info.arn.rsplit(':').next().unwrap();
    let c = &host.starting.lock().unwrap()[0];
    assert_eq!(
        c.arn,
        format!("arn:aws:states:local:1:express:m/Fan:{}:{run_id}", c.name)
    );
}

#[test]
fn fields_of_a_distributed_map_are_refused_elsewhere() {
    let load = |extra: Value, config: Value| {
        let mut map = json!({
            "Type": "Map",
            "ItemProcessor": {"ProcessorConfig": config, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "End": true
        });
        for (k, v) in extra.as_object().unwrap() {
            map[k] = v.clone();
        }
        StateMachine::from_value(&json!({"StartAt": "M", "States": {"M": map}}))
            .err()
            .map(|e| e.to_string())
    };
    let reader = json!({"ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k"}
    }});
    let e = load(reader.clone(), json!({"Mode": "INLINE"})).expect("refused");
    assert!(e.contains("ItemReader") && e.contains("DISTRIBUTED"), "{e}");
    assert!(load(reader, standard()).is_none());
    let e = load(json!({"Label": "a b"}), standard()).expect("refused");
    assert!(e.contains("Label") && e.contains("' '"), "{e}");
    let e = load(json!({"Label": "x".repeat(41)}), standard()).expect("refused");
    assert!(e.contains("40"), "{e}");
    assert!(load(json!({"Label": "x".repeat(40)}), standard()).is_none());
    let e = load(
        json!({}),
        json!({"Mode": "DISTRIBUTED", "ExecutionType": "FAST"}),
    )
    .expect("refused");
    assert!(e.contains("STANDARD or EXPRESS"), "{e}");
    let e = load(json!({"Label": "Fan"}), json!({})).expect("refused");
    assert!(e.contains("Label"), "{e}");
}

#[tokio::test]
async fn without_a_host_children_run_unrecorded() {
    let r = Executor::new(
        Arc::new(fan(json!({}), standard())),
        Arc::new(Work::default()),
    )
    .run(ExecutionSpec::new("e", ARN, json!({"items": [{"n": 4}]})))
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded);
    let out = r.output.unwrap();
    assert_eq!(out[0]["result"], json!({"done": 4}));
    assert!(out[0]["id"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:local:1:execution:m/"));
}

#[tokio::test]
async fn a_jsonata_map_run_gives_its_children_their_own_context() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Fan",
        "States": {"Fan": {
            "Type": "Map",
            "Label": "Each",
            "Items": "{% $states.input.items %}",
            "MaxConcurrency": "{% $count($states.input.items) %}",
            "ToleratedFailurePercentage": "{% 0 %}",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Who",
                "States": {"Who": {
                    "Type": "Pass",
                    "Output": "{% $states.context.StateMachine.Name & ' ' & $states.input %}",
                    "End": true
                }}
            },
            "End": true
        }}
    });
    let host = Arc::new(Host::default());
    let r = run(
        StateMachine::from_value(&def).unwrap(),
        host.clone(),
        Arc::new(Work::default()),
        json!({"items": ["a", "b"]}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    assert_eq!(r.output.unwrap(), json!(["m/Each a", "m/Each b"]));
    assert_eq!(host.started.lock().unwrap()[0].max_concurrency, 2);
}

#[tokio::test]
async fn a_child_has_no_outer_scope_so_it_may_assign_an_outer_name() {
    let def = |mode: &str| {
        json!({
            "StartAt": "Set",
            "States": {
                "Set": {"Type": "Pass", "Assign": {"x": "parent"}, "Next": "Fan"},
                "Fan": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": mode, "ExecutionType": "STANDARD"},
                        "StartAt": "Own",
                        "States": {
                            "Own": {"Type": "Pass", "Assign": {"x.$": "$"}, "Next": "Read"},
                            "Read": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": true}
                        }
                    },
                    "End": true
                }
            }
        })
    };
    // Inline, the iteration shares the parent's scope and may not assign its name.
    let e = StateMachine::from_value(&def("INLINE")).expect_err("refused");
    assert!(e.to_string().contains("enclosing scope"), "{e}");
    let r = run(
        StateMachine::from_value(&def("DISTRIBUTED")).unwrap(),
        Arc::new(Host::default()),
        Arc::new(Work::default()),
        json!({"items": [1, 2]}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    assert_eq!(r.output.unwrap(), json!([{"x": 1}, {"x": 2}]));
}
