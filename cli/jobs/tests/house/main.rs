//! The shape of the house, checked: every workspace member lives in the
//! folder named after it, no crate imports in a circle, the wire contract is
//! spelled only in the wire crate, no source file is too long to read in a
//! sitting, the local stack's crates carry no AWS SDK, and nothing outside
//! the job crates names the sample job's field.
//!
//! Layout: `lexer` cleans Rust source and cuts it into tokens; `modules`
//! builds one crate's file-level import graph and finds its circles;
//! `sample_field` looks for the sample's field.

mod lexer;
mod modules;
mod sample_field;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(repo())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The files git tracks (and untracked ones it does not ignore), so the
/// checks see what a commit would hold and nothing under target/.
fn source_files(extensions: &[&str]) -> Vec<PathBuf> {
    let out = Command::new("git")
        .args(["ls-files", "--cached", "--others", "--exclude-standard"])
        .current_dir(repo())
        .output()
        .expect("git runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|f| extensions.iter().any(|e| f.ends_with(e)))
        .filter(|f| !f.contains("node_modules/"))
        .map(PathBuf::from)
        .filter(|f| repo().join(f).exists())
        .collect()
}

#[test]
fn every_member_lives_in_the_folder_named_after_it() {
    let meta = metadata();
    let mut strays = Vec::new();
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let manifest = Path::new(package["manifest_path"].as_str().unwrap());
        let folder = manifest.parent().unwrap().file_name().unwrap();
        let folder = folder.to_str().unwrap();
        if folder != name && Some(folder) != name.strip_prefix("jobs-") {
            strays.push(format!(
                "{name} lives in {}",
                manifest.parent().unwrap().display()
            ));
        }
    }
    assert!(strays.is_empty(), "{strays:#?}");
}

/// Every target of every member: libraries, binaries, tests, examples.
fn crate_roots() -> Vec<(String, PathBuf)> {
    let meta = metadata();
    let mut roots = Vec::new();
    for package in meta["packages"].as_array().unwrap() {
        for target in package["targets"].as_array().unwrap() {
            let name = format!("{} {}", package["name"], target["name"]);
            roots.push((name, PathBuf::from(target["src_path"].as_str().unwrap())));
        }
    }
    roots
}

#[test]
fn no_crate_imports_in_a_circle() {
    let mut found = Vec::new();
    let roots = crate_roots();
    assert!(roots.len() > 20, "{roots:?}");
    for (name, root) in roots {
        let graph = modules::crate_graph(&root);
        for group in modules::circles(&graph) {
            let files: Vec<String> = group
                .iter()
                .map(|&f| graph.files[f].display().to_string())
                .collect();
            let edges: Vec<String> = graph
                .edges
                .iter()
                .filter(|((a, b), _)| group.contains(a) && group.contains(b))
                .map(|((a, b), line)| {
                    let name = |f: usize| graph.files[f].file_name().unwrap().to_owned();
                    format!("{:?}:{line} uses {:?}", name(*a), name(*b))
                })
                .collect();
            found.push(format!("{name}: {files:?}\n    {}", edges.join("\n    ")));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

/// Writes a small crate and returns its root's graph and circles, by file name.
fn planted(files: &[(&str, &str)]) -> Vec<BTreeSet<String>> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let graph = modules::crate_graph(&dir.path().join("lib.rs"));
    modules::circles(&graph)
        .into_iter()
        .map(|g| {
            g.into_iter()
                .map(|f| {
                    let p = graph.files[f].strip_prefix(dir.path()).unwrap();
                    p.display().to_string()
                })
                .collect()
        })
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_check_finds_a_planted_circle_between_siblings() {
    let circles = planted(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        ("b.rs", "pub struct B;\nfn f() -> super::c::C { todo!() }\n"),
        ("c.rs", "pub struct C(crate::a::A);\n"),
    ]);
    assert_eq!(circles, vec![set(&["a.rs", "b.rs", "c.rs"])]);
}

#[test]
fn the_check_finds_a_parent_that_re_exports_a_child_that_imports_it() {
    let circles = planted(&[
        ("lib.rs", "pub mod m;\n"),
        ("m/mod.rs", "mod c;\npub use c::C;\npub struct Scope;\n"),
        ("m/c.rs", "use super::Scope;\npub struct C(Scope);\n"),
    ]);
    assert_eq!(circles, vec![set(&["m/mod.rs", "m/c.rs"])]);
}

#[test]
fn re_exports_inline_tests_comments_and_strings_make_no_circle() {
    let circles = planted(&[
        (
            "lib.rs",
            "//! Uses `crate::b::B` in prose.\nmod a;\nmod b;\npub use a::A;\n",
        ),
        // b names A through lib.rs's re-export: it depends on a.rs, not lib.rs.
        ("b.rs", "use crate::A;\npub struct B(A);\n"),
        (
            "a.rs",
            concat!(
                "pub struct A;\n",
                "const S: &str = \"crate::b::B\";\n",
                "const R: &str = r#\"super::b\"#;\n",
                "fn f<'a>(x: &'a str) -> char { 'c' }\n",
                "/* crate::b::B */\n",
                "#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn t() { let _ = A; }\n}\n",
            ),
        ),
    ]);
    assert!(circles.is_empty(), "{circles:?}");
}

/// Built from pieces, so this file does not spell them.
fn contract_spellings() -> [String; 3] {
    [
        ["\"/", "jobs"].concat(),
        ["\"/", "local/"].concat(),
        ["idempotency", "-key"].concat(),
    ]
}

#[test]
fn the_wire_contract_is_spelled_only_in_the_wire_crate() {
    let mut found = Vec::new();
    let needles = contract_spellings();
    for file in source_files(&[".rs"]) {
        if file.starts_with("wire/") {
            continue;
        }
        let text = std::fs::read_to_string(repo().join(&file)).unwrap();
        for (n, line) in text.lines().enumerate() {
            // A header name is case-insensitive: a capitalised, quoted spelling counts too.
            let lower = line.to_lowercase();
            let header = needles[2].as_str();
            let quoted_header = format!("\"{header}");
            for needle in &needles {
                let hit = if needle == header {
                    line.contains(header) || lower.contains(&quoted_header)
                } else {
                    line.contains(needle.as_str())
                };
                if hit {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "spelled outside wire/ (use jobs_wire::api or jobs_wire::local):\n{}",
        found.join("\n")
    );
}

const MAX_LINES: usize = 600;

#[test]
fn no_source_file_is_longer_than_a_sitting() {
    let long: Vec<String> = source_files(&[".rs", ".ts", ".py", ".sh", ".js", ".mjs"])
        .into_iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(repo().join(&f))
                .ok()?
                .lines()
                .count();
            (lines > MAX_LINES).then(|| format!("{}: {lines} lines", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn no_crate_under_local_carries_the_aws_sdk() {
    let meta = metadata();
    let local = repo().canonicalize().unwrap().join("local");
    let mut checked = 0;
    for package in meta["packages"].as_array().unwrap() {
        let manifest = Path::new(package["manifest_path"].as_str().unwrap());
        if !manifest.starts_with(&local) {
            continue;
        }
        checked += 1;
        for dep in package["dependencies"].as_array().unwrap() {
            let name = dep["name"].as_str().unwrap();
            let normal = dep["kind"].is_null();
            assert!(
                !(normal && (name == "aws-config" || name.starts_with("aws-sdk-"))),
                "{} depends on {name}",
                package["name"]
            );
        }
    }
    assert!(checked >= 1, "no member under {}", local.display());
}
