//! The manifests of the repository against their schema, the crates they name and the
//! workflow files whose `${...}` they fill.

use super::*;
use serde_json::Value;

const SCHEMA: &str = include_str!("../../../../lambdas/functions.schema.json");

fn repo_file(path: &str) -> String {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {full}: {e}"))
}

const MANIFESTS: [&str; 3] = [
    "lambdas/functions.json",
    "examples/functions.json",
    "local/tests/fixtures/functions.json",
];

#[test]
fn every_manifest_follows_the_schema_and_the_schema_refuses_a_bad_entry() {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    compiler
        .add_resource("functions.schema.json", schema)
        .unwrap();
    let root = compiler
        .compile("functions.schema.json", &mut schemas)
        .unwrap();
    for path in MANIFESTS {
        let doc: Value = serde_json::from_str(&repo_file(path)).unwrap();
        if let Err(e) = schemas.validate(&doc, root) {
            panic!("{path}: {e:#}");
        }
        Manifest::parse(&repo_file(path), path).unwrap();
    }
    let mut bad: Value = serde_json::from_str(&repo_file(MANIFESTS[0])).unwrap();
    bad["functions"][1]
        .as_object_mut()
        .unwrap()
        .remove("localName");
    assert!(schemas.validate(&bad, root).is_err());
    assert!(Manifest::parse(&bad.to_string(), "bad.json").is_err());
}

/// `key = value` of the `[[bin]]` table named `bin` in a Cargo.toml (enough for these).
fn bin_table(cargo: &str, bin: &str) -> Option<Vec<(String, String)>> {
    let mut tables = cargo.split("[[bin]]").skip(1);
    tables.find_map(|t| {
        let t = t.split("\n[").next().unwrap_or(t);
        let pairs: Vec<(String, String)> = t
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        pairs
            .iter()
            .any(|(k, v)| k == "name" && *v == format!("\"{bin}\""))
            .then_some(pairs)
    })
}

#[test]
fn every_declared_bin_is_a_bin_of_its_crate_that_requires_its_feature() {
    for path in MANIFESTS {
        for f in Manifest::parse(&repo_file(path), path).unwrap().functions {
            let cargo = repo_file(&format!("{}/Cargo.toml", f.path));
            assert!(
                cargo.contains(&format!("name = \"{}\"", f.crate_name)),
                "{path}: {} is not the package at {}",
                f.crate_name,
                f.path
            );
            let bin = bin_table(&cargo, &f.bin)
                .unwrap_or_else(|| panic!("{path}: {} has no [[bin]] {}", f.path, f.bin));
            assert!(
                bin.iter()
                    .any(|(k, v)| k == "required-features" && *v == format!("[\"{}\"]", f.feature)),
                "{path}: the bin {} of {} must require the feature {}",
                f.bin,
                f.path,
                f.feature
            );
        }
    }
}

#[test]
fn the_deployed_substitutions_are_the_placeholders_of_both_workflow_files() {
    let mut filled: Vec<String> = Manifest::deployed()
        .substitutions("us-east-1")
        .into_keys()
        .collect();
    filled.push("FailedJobsEventBusName".into());
    filled.sort();
    for file in [
        "statemachine/jobs.asl.json",
        "statemachine/jobs.jsonata.asl.json",
    ] {
        let text = repo_file(file);
        let mut found: Vec<String> = text
            .split("${")
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        found.sort();
        found.dedup();
        assert_eq!(found, filled, "{file}");
    }
}
