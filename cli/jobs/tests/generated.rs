//! The files that follow from the job crate match it: `jobs generate
//! --check` passes on the tree as committed, and fails on a tree where one
//! of them was edited by hand.

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn generate(root: &Path, check: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jobs"));
    cmd.arg("generate").arg("--root").arg(root);
    if check {
        cmd.arg("--check");
    }
    cmd.output().unwrap()
}

/// A copy of the files `generate` reads and writes.
fn copy_of_derived_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "lambdas/api/schema/create-job.json",
        "statemachine/jobs.asl.json",
        "statemachine/jobs.jsonata.asl.json",
    ] {
        let to = dir.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(file), to).unwrap();
    }
    dir
}

#[test]
fn the_committed_files_are_what_the_job_derives() {
    let out = generate(repo(), true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_model_edited_by_hand_is_found_and_written_back() {
    let dir = copy_of_derived_files();
    let model = dir.path().join("lambdas/api/schema/create-job.json");
    let original = std::fs::read_to_string(&model).unwrap();
    std::fs::write(&model, original.replace("\"minimum\": 1", "\"minimum\": 0")).unwrap();
    let out = generate(dir.path(), true);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("create-job.json"), "{stderr}");
    assert!(generate(dir.path(), false).status.success());
    assert_eq!(std::fs::read_to_string(&model).unwrap(), original);
}

#[test]
fn a_workflow_timeout_edited_by_hand_is_found_and_written_back() {
    let dir = copy_of_derived_files();
    let asl = dir.path().join("statemachine/jobs.jsonata.asl.json");
    let original = std::fs::read_to_string(&asl).unwrap();
    let top: serde_json::Value = serde_json::from_str(&original).unwrap();
    let workflow = top["TimeoutSeconds"].as_u64().unwrap();
    let edited = original.replacen(
        &format!("\"TimeoutSeconds\": {workflow}"),
        &format!("\"TimeoutSeconds\": {}", workflow + 1),
        1,
    );
    assert_ne!(edited, original);
    std::fs::write(&asl, edited).unwrap();
    let out = generate(dir.path(), true);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("jobs.jsonata.asl.json"));
    assert!(generate(dir.path(), false).status.success());
    assert_eq!(std::fs::read_to_string(&asl).unwrap(), original);
}
