//! Time per state transition: a chain of Pass states with Parameters, run many times with no
//! history (the configuration an embedded stack runs with when nobody watches).
//!
//! cargo run --profile local -p jobs-asl --example bench_transitions [states] [executions] [jsonata]
//!
//! With `jsonata` the chain is written in JSONata: each state's `Output` builds the same
//! object from `$states.input` with two expressions.

use async_trait::async_trait;
use jobs_asl::{
    ExecutionSpec, ExecutionStatus, Executor, StateMachine, TaskContext, TaskError, TaskHandler,
};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

struct NoTasks;

#[async_trait]
impl TaskHandler for NoTasks {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        Ok(input)
    }
}

fn chain(n: usize, jsonata: bool) -> Value {
    let mut states = serde_json::Map::new();
    for i in 0..n {
        let mut s = if jsonata {
            json!({
                "Type": "Pass",
                "Output": {"id": "{% $states.input.id %}", "parameters": "{% $states.input.parameters %}", "step": i, "note": "static"},
            })
        } else {
            json!({
                "Type": "Pass",
                "Parameters": {"id.$": "$.id", "parameters.$": "$.parameters", "step": i, "note": "static"},
            })
        };
        if i + 1 == n {
            s["End"] = json!(true);
        } else {
            s["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), s);
    }
    if jsonata {
        json!({"QueryLanguage": "JSONata", "StartAt": "S0", "States": states})
    } else {
        json!({"StartAt": "S0", "States": states})
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let states: usize = args.next().map(|a| a.parse().unwrap()).unwrap_or(100);
    let runs: usize = args.next().map(|a| a.parse().unwrap()).unwrap_or(20_000);
    let jsonata = args.next().is_some_and(|a| a == "jsonata");
    let m = Arc::new(StateMachine::from_value(&chain(states, jsonata)).unwrap());
    let ex = Executor::new(m, Arc::new(NoTasks));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let input = json!({"id": "job-1", "parameters": {"n": 1}});
    rt.block_on(async {
        // Warm-up.
        for _ in 0..runs / 10 {
            ex.run(ExecutionSpec::new(
                "w",
                "arn:aws:states:local:0:execution:b:w",
                input.clone(),
            ))
            .await;
        }
        let t0 = Instant::now();
        for i in 0..runs {
            let r = ex
                .run(ExecutionSpec::new(
                    format!("e{i}"),
                    "arn:aws:states:local:0:execution:b:e",
                    input.clone(),
                ))
                .await;
            assert_eq!(r.status, ExecutionStatus::Succeeded);
        }
        let el = t0.elapsed();
        let transitions = (runs * states) as f64;
        println!(
            "{runs} executions x {states} {} Pass states: {:.3} s, {:.3} us per transition",
            if jsonata { "JSONata" } else { "JSONPath" },
            el.as_secs_f64(),
            el.as_secs_f64() * 1e6 / transitions
        );
        // The same with history collected, for comparison.
        let t0 = Instant::now();
        for i in 0..runs / 10 {
            ex.run(
                ExecutionSpec::new(
                    format!("h{i}"),
                    "arn:aws:states:local:0:execution:b:h",
                    input.clone(),
                )
                .with_history(),
            )
            .await;
        }
        let el = t0.elapsed();
        println!(
            "with history collected: {:.3} us per transition",
            el.as_secs_f64() * 1e6 / ((runs / 10) * states) as f64
        );
    });
}
