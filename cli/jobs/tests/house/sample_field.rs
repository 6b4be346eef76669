//! Nothing outside the job crates knows the sample job's field: swapping the
//! job is editing `job/`, not hunting for its one parameter across the tree.
//! Each use left is named here with its reason.

use super::{repo, source_files};

/// The job crates: the sample and the stand-in for an adopter's job.
const JOB_CRATES: [&str; 2] = ["job/", "examples/"];

/// Files allowed to name the field, each for a reason unrelated to which job
/// runs.
const ALLOWED: [(&str, &str); 2] = [
    (
        "lambdas/aws/tests/items.rs",
        "reads a DynamoDB item as the version before generic parameters wrote it",
    ),
    (
        "local/tests/old_data.rs",
        "reads a data directory as the version before generic parameters wrote it",
    ),
];

/// The field, and how code would name it: a JSON key, a field access, a
/// flag, a `key=value` pair. Built from pieces so this file does not count.
fn spellings() -> Vec<String> {
    let field = ["sec", "onds"].concat();
    vec![
        format!("\"{field}\""),
        format!("'{field}'"),
        format!(".{field}"),
        format!("--{field}"),
        format!(" {field}="),
        format!("\"{field}="),
        format!("'{field}="),
        format!("{{ {field}:"),
    ]
}

/// Whether `line` uses a spelling as the field, not as part of a longer name
/// (`Duration.seconds(`, `--sweep-period-seconds`, `.seconds_left`).
fn uses(line: &str, spelling: &str) -> bool {
    line.match_indices(spelling).any(|(at, _)| {
        let next = line[at + spelling.len()..].chars().next();
        let ends_in_name = spelling.ends_with(|c: char| c.is_alphanumeric());
        let word_goes_on =
            ends_in_name && next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
        let a_call = spelling.starts_with('.') && next == Some('(');
        !(word_goes_on || a_call)
    })
}

pub(crate) fn offenders() -> Vec<String> {
    let spellings = spellings();
    let mut found = Vec::new();
    for file in source_files(&[".rs", ".ts", ".py", ".sh", ".js", ".mjs"]) {
        let name = file.to_string_lossy().replace('\\', "/");
        if JOB_CRATES.iter().any(|c| name.starts_with(c))
            || ALLOWED.iter().any(|(f, _)| *f == name)
            || name.ends_with("house/sample_field.rs")
        {
            continue;
        }
        let text = std::fs::read_to_string(repo().join(&file)).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if spellings.iter().any(|s| uses(line, s)) {
                found.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn no_file_outside_the_job_crates_names_the_sample_field() {
    let found = offenders();
    assert!(
        found.is_empty(),
        "the sample job's field outside job/ (use the job's example or the request model, \
         or name the file in ALLOWED with its reason):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_each_spelling_and_not_longer_names() {
    let field = ["sec", "onds"].concat();
    for line in [
        format!(r#"json!({{"{field}": 3}})"#),
        format!("job.parameters.{field} + 1"),
        format!("jobs submit --{field} 3"),
        format!("run(\"submit\", \"{field}=1\")"),
        format!("body = {{'{field}': 1}}"),
        format!("parameters: {{ {field}: 5 }}"),
    ] {
        assert!(spellings().iter().any(|s| uses(&line, s)), "{line}");
    }
    for line in [
        format!("Duration.{field}(10)"),
        format!("--sweep-period-{field} 5"),
        format!("timeout.{field}_left"),
        "TimeoutSeconds".to_owned(),
    ] {
        assert!(!spellings().iter().any(|s| uses(&line, s)), "{line}");
    }
}
