//! Evaluates the generated JSONata corpus (`jsonata-diff/`) with jobs-asl and compares every
//! outcome with the reference implementation, npm jsonata 2.0.6. See
//! docs/jsonata-differential.md for the figures and the disagreements.

mod node;

use jobs_asl::internals::VarSource;
use jobs_asl::internals::{states_value, Expr, Site};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("jsonata-diff")
}

struct Bindings(serde_json::Map<String, Value>);

impl VarSource for Bindings {
    fn var(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

fn reference_corpus() -> Option<Value> {
    let out = node::run(&dir(), "corpus.mjs", "JSONata comparison")?;
    Some(serde_json::from_slice(&out).expect("corpus.mjs prints JSON"))
}

/// jobs-asl's outcome in the reference's shape.
fn ours(expr: &str, vars: &Bindings) -> Value {
    let e = match Expr::parse(expr) {
        Ok(e) => e,
        Err(_) => return serde_json::json!({"error": "parse"}),
    };
    let states = states_value(&Value::Null, None, None, None);
    match e.eval(
        &states,
        vars,
        Site {
            state: "S",
            field: "Output",
        },
    ) {
        Ok(v) => serde_json::json!({"value": v}),
        Err(f) if f.cause.ends_with("returned nothing (undefined).") => {
            serde_json::json!({"undefined": true})
        }
        Err(_) => serde_json::json!({"error": "error"}),
    }
}

/// Same JSON, numbers equal to 1 part in 10^12 (JavaScript and Rust print some doubles
/// differently).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn agrees(reference: &Value, ours: &Value) -> bool {
    match (reference.get("value"), ours.get("value")) {
        (Some(r), Some(o)) => same(r, o),
        (None, None) => reference.get("error").is_some() == ours.get("error").is_some(),
        _ => false,
    }
}

/// The expressions docs/jsonata-differential.md lists as disagreements: the first column of
/// the table of its section "Every disagreement and its cause", in backticks.
fn documented() -> Vec<String> {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/jsonata-differential.md"),
    )
    .expect("docs/jsonata-differential.md");
    let section = doc
        .split("## Every disagreement")
        .nth(1)
        .expect("the disagreements section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once("` |").map(|(e, _)| e.replace("\\|", "|")))
        .collect()
}

#[test]
fn agrees_with_jsonata_2_0_6_on_the_generated_corpus() {
    let Some(corpus) = reference_corpus() else {
        return;
    };
    let vars = Bindings(corpus["bindings"].as_object().unwrap().clone());
    let cases = corpus["cases"].as_array().unwrap();
    assert!(
        cases.len() >= 2000,
        "the corpus has {} expressions",
        cases.len()
    );
    let mut disagree = BTreeMap::new();
    for c in cases {
        let expr = c["expr"].as_str().unwrap();
        let o = ours(expr, &vars);
        if !agrees(&c["outcome"], &o) {
            disagree.insert(expr.to_owned(), (c["outcome"].clone(), o));
        }
    }
    let agreed = cases.len() - disagree.len();
    let rate = agreed as f64 / cases.len() as f64;
    eprintln!(
        "JSONata corpus: {agreed} of {} agree ({:.2}%)",
        cases.len(),
        rate * 100.0
    );
    let listed = documented();
    let unlisted: Vec<String> = disagree
        .iter()
        .filter(|(e, _)| !listed.contains(e))
        .map(|(e, (r, o))| format!("`{e}`: jsonata 2.0.6 {r}, jobs-asl {o}"))
        .collect();
    assert!(
        unlisted.is_empty(),
        "disagreements not in docs/jsonata-differential.md:\n{}",
        unlisted.join("\n")
    );
    let stale: Vec<&String> = listed
        .iter()
        .filter(|e| !disagree.contains_key(*e))
        .collect();
    assert!(
        stale.is_empty(),
        "listed in docs/jsonata-differential.md but agreeing now: {stale:?}"
    );
    assert!(rate >= 0.99, "agreement {:.2}% is below 99%", rate * 100.0);
}
