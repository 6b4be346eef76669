//! The registry of workflow functions the local stack runs in-process: the crate
//! `local/functions` (jobs-functions), written from the manifests. Each function a
//! manifest declares for the workflow (it has a `localName`) is a dependency, and its crate's
//! `local(&FunctionEnv)` is called for it. `lambdas/functions.json` is what CDK deploys;
//! `examples/functions.json` declares functions built in for local runs only.

use std::fmt::Write;

use jobs_local::functions::Manifest;

/// The manifests whose workflow functions are built in, relative to the repository root.
pub(crate) const MANIFESTS: [&str; 2] = ["lambdas/functions.json", "examples/functions.json"];
pub(crate) const CARGO: &str = "local/functions/Cargo.toml";
pub(crate) const LIB: &str = "local/functions/src/lib.rs";

const NOTE: &str = "Written by `jobs generate` from lambdas/functions.json and \
examples/functions.json: edit those, not this file.";

/// (crate, path from the root) of every workflow function, in manifest order, once each.
pub(crate) fn built_in(manifests: &[Manifest]) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for m in manifests {
        for d in m.workflow_functions() {
            match out.iter().find(|(c, _)| *c == d.crate_name) {
                Some((_, path)) if *path != d.path => {
                    return Err(format!(
                        "{}: crate {} is declared at {} here and at {path} elsewhere",
                        m.source, d.crate_name, d.path
                    ))
                }
                Some(_) => {}
                None => out.push((d.crate_name.clone(), d.path.clone())),
            }
        }
    }
    Ok(out)
}

pub(crate) fn cargo_toml(crates: &[(String, String)]) -> String {
    let mut s = format!(
        "# {NOTE}\n[package]\nname = \"jobs-functions\"\nversion = \"0.1.0\"\n\
         description = \"The workflow functions the local stack runs in-process (generated).\"\n\
         edition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\n\
         publish.workspace = true\n\n[dependencies]\njobs-domain.workspace = true\n"
    );
    for (name, path) in crates {
        let _ = writeln!(s, "{name} = {{ path = \"../../{path}\" }}");
    }
    s
}

pub(crate) fn lib_rs(crates: &[(String, String)]) -> String {
    let mut s = format!(
        "//! The workflow functions built into the local stack, by crate. {NOTE}\n\n\
         use std::sync::Arc;\n\n\
         use jobs_domain::function::{{FunctionEnv, WorkflowFunction}};\n\n\
         /// The crates of the functions built in.\n\
         pub const BUILT_IN: &[&str] = &[\n"
    );
    for (name, _) in crates {
        let _ = writeln!(s, "    \"{name}\",");
    }
    s.push_str(
        "];\n\n\
         /// The function of crate `name` over `env`, or `None` when it is not built in.\n\
         pub fn function(name: &str, env: &FunctionEnv) -> Option<Arc<dyn WorkflowFunction>> {\n\
         \x20   match name {\n",
    );
    for (name, _) in crates {
        let _ = writeln!(
            s,
            "        \"{name}\" => Some({}::local(env)),",
            name.replace('-', "_")
        );
    }
    s.push_str("        _ => None,\n    }\n}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_crate_is_built_in_once_and_called_by_its_name() {
        let m = |source: &str, entries: &str| Manifest::parse(entries, source).unwrap();
        let a = m(
            "a.json",
            r#"{"functions": [
                {"key": "p", "crate": "jobs-processor", "path": "lambdas/processor", "bin": "p",
                 "feature": "lambda", "substitution": "P", "localName": "p"},
                {"key": "api", "crate": "jobs-api", "path": "lambdas/api", "bin": "api", "feature": "lambda"}
            ]}"#,
        );
        let b = m(
            "b.json",
            r#"{"functions": [
                {"key": "p", "crate": "jobs-processor", "path": "lambdas/processor", "bin": "p",
                 "feature": "lambda", "substitution": "P", "localName": "p"},
                {"key": "n", "crate": "jobs-notify-function", "path": "examples/notify-function",
                 "bin": "n", "feature": "lambda", "substitution": "N", "localName": "n"}
            ]}"#,
        );
        let crates = built_in(&[a.clone(), b]).unwrap();
        assert_eq!(
            crates.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
            ["jobs-processor", "jobs-notify-function"]
        );
        let lib = lib_rs(&crates);
        assert!(lib.contains("\"jobs-notify-function\" => Some(jobs_notify_function::local(env)),"));
        assert!(!lib.contains("jobs_api"), "the API is no workflow function");
        let toml = cargo_toml(&crates);
        assert!(toml.contains("jobs-processor = { path = \"../../lambdas/processor\" }"));

        let moved = m(
            "c.json",
            r#"{"functions": [{"key": "p", "crate": "jobs-processor", "path": "elsewhere",
                "bin": "p", "feature": "lambda", "substitution": "P", "localName": "p"}]}"#,
        );
        let e = built_in(&[a, moved]).unwrap_err();
        assert!(
            e.contains("jobs-processor") && e.contains("elsewhere"),
            "{e}"
        );
    }
}
