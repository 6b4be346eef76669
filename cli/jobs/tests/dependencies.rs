//! What the local build of `jobs` is made of, read from `cargo tree`: the
//! Lambda-only crates, the AWS SDK and a TLS stack stay out of it, the
//! stack library does not depend on the client, and each shared dependency
//! is built in one version.

use std::collections::BTreeSet;
use std::process::Command;

/// The packages (`name vX.Y.Z`) of one `cargo tree` invocation.
fn tree(args: &[&str]) -> BTreeSet<String> {
    tree_lines(args, "none")
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// Each line of `cargo tree` as (depth, `name vX.Y.Z`).
fn tree_lines(args: &[&str], prefix: &str) -> Vec<(usize, String)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--locked", "--offline", "--prefix", prefix])
        .args(["--format", "{p}"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let digits = line.chars().take_while(char::is_ascii_digit).count();
            let depth = line[..digits].parse().unwrap_or(0);
            let mut words = line[digits..].split_whitespace();
            let package = format!(
                "{} {}",
                words.next().unwrap_or_default(),
                words.next().unwrap_or_default()
            );
            (depth, package)
        })
        .collect()
}

fn names(packages: &BTreeSet<String>) -> BTreeSet<&str> {
    packages
        .iter()
        .map(|p| p.split(' ').next().unwrap())
        .collect()
}

/// Crates that only the Lambda binaries, or only a deployed stack, need.
const NOT_LOCAL: &[&str] = &[
    "jobs-aws",
    "lambda_runtime",
    "lambda_http",
    "aws-config",
    "aws-sdk-dynamodb",
    "aws-sdk-sfn",
    "aws-sdk-eventbridge",
    "aws-sdk-cloudformation",
    "aws-sdk-cloudwatchlogs",
    "aws-sdk-sts",
    "rustls",
    "aws-lc-sys",
];

#[test]
fn the_local_build_has_no_lambda_crate_no_aws_sdk_and_no_tls() {
    let local = tree(&["-p", "jobs", "-e", "normal,build"]);
    let found: Vec<&str> = names(&local)
        .into_iter()
        .filter(|n| NOT_LOCAL.contains(n))
        .collect();
    assert!(
        found.is_empty(),
        "the default build of jobs pulls in {found:?}"
    );
    // The stack runs the real handlers and the real Router.
    for needed in [
        "jobs-local",
        "jobs-api",
        "jobs-processor",
        "jobs-error-handler",
    ] {
        assert!(names(&local).contains(needed), "{needed} is missing");
    }
}

/// Crates only the Lambda binaries need, which no build of the CLI pulls in.
const LAMBDA_ONLY: &[&str] = &["jobs-aws", "lambda_runtime", "lambda_http"];

#[test]
fn the_aws_build_has_the_sdk_crates_it_calls_and_no_lambda_crate() {
    let aws = tree(&["-p", "jobs", "--features", "aws", "-e", "normal,build"]);
    let names = names(&aws);
    let lambda: Vec<&&str> = LAMBDA_ONLY.iter().filter(|n| names.contains(**n)).collect();
    assert!(lambda.is_empty(), "jobs --features aws pulls in {lambda:?}");
    // The SDK the CLI calls directly, so the query sees what the default
    // build must not have.
    for needed in [
        "aws-config",
        "aws-sdk-cloudformation",
        "aws-sdk-eventbridge",
        "aws-sdk-cloudwatchlogs",
        "aws-sdk-sts",
        "aws-sdk-sso",
        // `history` on a STANDARD state machine: GetExecutionHistory.
        "aws-sdk-sfn",
        "rustls",
    ] {
        assert!(
            names.contains(needed),
            "{needed} is missing from --features aws"
        );
    }
    // The Lambdas' own store client stays with the Lambdas.
    assert!(
        !names.contains("aws-sdk-dynamodb"),
        "aws-sdk-dynamodb in jobs --features aws"
    );
}

#[test]
fn the_lambda_binaries_do_get_the_lambda_crates() {
    // The same query can see them, so the test above can fail.
    let lambda = tree(&["-p", "jobs-api", "--features", "lambda", "-e", "normal"]);
    for needed in ["jobs-aws", "lambda_http", "aws-sdk-sfn"] {
        assert!(names(&lambda).contains(needed), "{needed}: {lambda:?}");
    }
}

#[test]
fn the_stack_library_does_not_depend_on_the_client() {
    let stack = tree(&["-p", "jobs-local", "-e", "normal,build"]);
    assert!(!names(&stack).contains("jobs-client"));
    assert!(!names(&stack).contains("reqwest"));
}

#[test]
fn each_workspace_dependency_is_used_in_one_version() {
    // Two versions of a crate the workspace names, among the members' own
    // dependencies, mean a member did not take the workspace's version.
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).unwrap();
    let table = manifest
        .split("[workspace.dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    let shared: Vec<&str> = table
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(name, _)| name.trim()))
        .filter(|n| !n.is_empty() && !n.starts_with('#'))
        .collect();
    assert!(shared.contains(&"boon"), "{shared:?}");
    let direct: BTreeSet<String> = tree_lines(
        &[
            "--workspace",
            "--depth",
            "1",
            "-e",
            "normal,build,dev",
            "--all-features",
        ],
        "depth",
    )
    .into_iter()
    .filter(|(depth, _)| *depth == 1)
    .map(|(_, p)| p)
    .collect();
    for name in shared {
        let versions: Vec<&String> = direct
            .iter()
            .filter(|p| p.split(' ').next() == Some(name))
            .collect();
        assert!(versions.len() <= 1, "{name} is built in {versions:?}");
    }
}

/// Each member's dependencies as (name, taken from the workspace), read from
/// its manifest's dependency tables; path dependencies on itself are left out.
fn declared(manifest: &str) -> Vec<(String, bool)> {
    let mut section = String::new();
    let mut found = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_owned();
            continue;
        }
        let is_deps = section.ends_with("dependencies");
        let Some((key, value)) = line.split_once('=').filter(|_| is_deps) else {
            continue;
        };
        let key = key.trim();
        if value.contains("path =") {
            continue;
        }
        let (name, workspace) = match key.strip_suffix(".workspace") {
            Some(name) => (name, true),
            None => (key, value.contains("workspace = true")),
        };
        found.push((name.to_owned(), workspace));
    }
    found
}

#[test]
fn a_dependency_two_members_share_comes_from_the_workspace() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let workspace = std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap();
    let members: Vec<String> = workspace
        .split("members = [")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap()
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    assert!(members.len() >= 8, "{members:?}");
    let mut users: std::collections::BTreeMap<String, Vec<(String, bool)>> = Default::default();
    for member in &members {
        let manifest = std::fs::read_to_string(format!("{root}/{member}/Cargo.toml")).unwrap();
        for (name, workspace) in declared(&manifest) {
            users
                .entry(name)
                .or_default()
                .push((member.clone(), workspace));
        }
    }
    let strays: Vec<String> = users
        .iter()
        .filter(|(_, uses)| {
            let members: BTreeSet<&String> = uses.iter().map(|(m, _)| m).collect();
            members.len() > 1 && uses.iter().any(|(_, ws)| !ws)
        })
        .map(|(name, uses)| format!("{name}: {uses:?}"))
        .collect();
    assert!(
        strays.is_empty(),
        "shared dependencies with their own versions:\n{}",
        strays.join("\n")
    );
}
