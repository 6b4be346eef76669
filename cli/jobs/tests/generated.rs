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
        "openapi/jobs-api.yaml",
        "postman/jobs-api.postman_collection.json",
        "lambdas/api/schema/create-job.bodies.json",
        "lambdas/functions.json",
        "examples/functions.json",
        "local/functions/Cargo.toml",
        "local/functions/src/lib.rs",
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

#[test]
fn the_openapi_schemas_and_example_edited_by_hand_are_found_and_written_back() {
    let dir = copy_of_derived_files();
    let spec = dir.path().join("openapi/jobs-api.yaml");
    let original = std::fs::read_to_string(&spec).unwrap();
    // The first line inside the region goes: the schema no longer says
    // what the type derives.
    let marker = "# BEGIN jobs generate: schemas\n";
    let inside = original.find(marker).unwrap() + marker.len();
    let line = original[inside..].find('\n').unwrap() + 1;
    let edited = format!("{}{}", &original[..inside], &original[inside + line..]);
    assert_ne!(edited, original);
    std::fs::write(&spec, &edited).unwrap();
    let out = generate(dir.path(), true);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("jobs-api.yaml"));
    assert!(generate(dir.path(), false).status.success());
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), original);

    // Text outside the markers is the file's own: generate leaves it be.
    let annotated = original.replace("  title: Jobs API\n", "  title: Jobs API (ours)\n");
    assert_ne!(annotated, original);
    std::fs::write(&spec, &annotated).unwrap();
    assert!(generate(dir.path(), true).status.success());
}

#[test]
fn openapi_markers_gone_is_an_error_that_names_them() {
    let dir = copy_of_derived_files();
    let spec = dir.path().join("openapi/jobs-api.yaml");
    let original = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        original.replace("# END jobs generate: request example\n", ""),
    )
    .unwrap();
    let out = generate(dir.path(), false);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("# END jobs generate: request example"),
        "{stderr}"
    );
}

#[test]
fn the_postman_bodies_are_the_jobs_example_and_edits_are_written_back() {
    let dir = copy_of_derived_files();
    let path = dir.path().join("postman/jobs-api.postman_collection.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let collection: serde_json::Value = serde_json::from_str(&original).unwrap();
    let variable = |collection: &serde_json::Value, name: &str| -> String {
        collection["variable"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == name)
            .unwrap_or_else(|| panic!("no variable {name}"))["value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The example the collection sends is the one the job crate declares,
    // and the other bodies differ from it.
    let example: serde_json::Value =
        serde_json::from_str(&variable(&collection, "exampleBody")).unwrap();
    let model: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("lambdas/api/schema/create-job.json")).unwrap(),
    )
    .unwrap();
    let spec = std::fs::read_to_string(repo().join("openapi/jobs-api.yaml")).unwrap();
    for (key, value) in example.as_object().unwrap() {
        assert!(model["properties"].get(key).is_some(), "{key}");
        let plain = value.as_str().map(|s| format!("{key}: {s}\n"));
        assert!(
            spec.contains(&format!("{key}: {value}\n"))
                || plain.is_some_and(|line| spec.contains(&line)),
            "the OpenAPI example has no {key}: {value}"
        );
    }
    for other in ["otherBody", "wrongTypeBody", "unknownKeyBody"] {
        let body: serde_json::Value = serde_json::from_str(&variable(&collection, other)).unwrap();
        assert_ne!(body, example, "{other}");
    }
    let field = variable(&collection, "wrongTypeField");
    let wrong: serde_json::Value =
        serde_json::from_str(&variable(&collection, "wrongTypeBody")).unwrap();
    assert_ne!(wrong[&field], example[&field]);

    let edited = original.replace(
        &serde_json::Value::String(variable(&collection, "exampleBody")).to_string(),
        "\"{}\"",
    );
    assert_ne!(edited, original);
    std::fs::write(&path, edited).unwrap();
    let out = generate(dir.path(), true);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("postman_collection.json"));
    assert!(generate(dir.path(), false).status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
}

#[test]
fn a_function_added_to_a_manifest_is_built_into_the_local_registry() {
    let dir = copy_of_derived_files();
    let manifest = dir.path().join("examples/functions.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    let mut added = doc["functions"][0].clone();
    added["key"] = "audit".into();
    added["crate"] = "acme-audit".into();
    added["path"] = "examples/acme-audit".into();
    added["bin"] = "audit".into();
    added["substitution"] = "AuditFunctionArn".into();
    added["localName"] = "acme-audit".into();
    doc["functions"].as_array_mut().unwrap().push(added);
    std::fs::write(&manifest, doc.to_string()).unwrap();

    let out = generate(dir.path(), true);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("local/functions/src/lib.rs"));
    assert!(generate(dir.path(), false).status.success());
    let lib = std::fs::read_to_string(dir.path().join("local/functions/src/lib.rs")).unwrap();
    assert!(
        lib.contains("\"acme-audit\" => Some(acme_audit::local(env)),"),
        "{lib}"
    );
    let cargo = std::fs::read_to_string(dir.path().join("local/functions/Cargo.toml")).unwrap();
    assert!(
        cargo.contains("acme-audit = { path = \"../../examples/acme-audit\" }"),
        "{cargo}"
    );
    assert!(generate(dir.path(), true).status.success());
}
