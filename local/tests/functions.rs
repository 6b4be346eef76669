//! `--functions FILE`: a manifest whose workflow function this binary does not hold stops
//! the start, saying what to run, before anything is written.

mod common;

use serde_json::json;

#[tokio::test]
async fn a_declared_function_not_built_in_stops_the_start_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("functions.json");
    let entry = json!({"key": "audit", "crate": "acme-audit", "path": "examples/acme-audit",
        "bin": "audit", "feature": "lambda", "substitution": "AuditFunctionArn",
        "localName": "acme-audit", "memoryMb": 128, "timeoutSeconds": 10});
    std::fs::write(&manifest, json!({"functions": [entry]}).to_string()).unwrap();
    let mut config = jobs_local::Config::ephemeral(dir.path().join("data"));
    config.functions = Some(manifest);
    let e = match jobs_local::Stack::start(config).await {
        Ok(_) => panic!("the stack started"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        e.contains("\"audit\" (crate acme-audit) is not built into this binary"),
        "{e}"
    );
    assert!(e.contains("jobs -- generate"), "{e}");
    assert!(!dir.path().join("data").exists());

    let mut config = jobs_local::Config::ephemeral(dir.path().join("data"));
    config.functions = Some(dir.path().join("missing.json"));
    let e = match jobs_local::Stack::start(config).await {
        Ok(_) => panic!("the stack started"),
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains("reading the functions manifest"), "{e}");
    assert!(!dir.path().join("data").exists());
}
