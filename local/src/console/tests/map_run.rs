//! The Map Run page of the rows fixture's distributed Map (`local/tests/fixtures/rows.asl.json`
//! over a CSV of 10,050 rows: 101 children), the parent's link to it, and a child's own
//! execution page, drawn with its Map's processor.

use std::path::Path;

use http::StatusCode;

use super::{console_with, run_example, Console};
use crate::config::Mocks;
use crate::Config;

async fn rows_console(rows: usize) -> Console {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let s3 = dir.path().join("s3");
    std::fs::create_dir_all(s3.join("local-items")).unwrap();
    let mut csv = String::from("id,amount\n");
    for i in 1..=rows {
        csv.push_str(&format!("row-{i},{i}\n"));
    }
    std::fs::write(s3.join("local-items/rows.csv"), csv).unwrap();
    let mut config = Config::ephemeral(dir.path().join("data"));
    config.workflow = Some(fixtures.join("rows.asl.json"));
    config.workflow_type = jobs_asl::WorkflowType::Standard;
    config.mocks = Some(Mocks {
        file: fixtures.join("rows.mocks.json"),
        state_machine: None,
        test_case: None,
    });
    config.s3_dir = Some(s3);
    console_with(dir, config).await
}

/// The value shown for one of the run's counts.
fn count(body: &str, key: &str) -> String {
    let at = body
        .find(&format!(r#"data-count="{key}""#))
        .unwrap_or_else(|| panic!("no {key} count in {body}"));
    let value = &body[at..];
    let start = value.find(r#"class="value num">"#).unwrap() + r#"class="value num">"#.len();
    let end = value[start..].find('<').unwrap();
    value[start..start + end].to_owned()
}

/// The `href`s of the links with this class.
fn links(body: &str, class: &str) -> Vec<String> {
    let marker = format!(r#"class="{class}" href=""#);
    body.match_indices(&marker)
        .map(|(i, _)| {
            let rest = &body[i + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_parent_links_its_map_run_whose_page_counts_and_pages_its_children() {
    let c = rows_console(10_050).await;
    let (id, _) = run_example(&c).await;
    let parent = c.get(&format!("/console/executions/{id}")).await;
    assert_eq!(parent.status, StatusCode::OK);
    let runs = links(&parent.body, "map-run-link id");
    assert_eq!(runs.len(), 1, "{}", parent.body);
    assert!(runs[0].starts_with("/console/map-runs/"), "{runs:?}");

    let page = c.get(&runs[0]).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(
        body.contains(":mapRun:jobs-workflow/"),
        "the run's ARN: {body}"
    );
    assert_eq!(
        links(body, "id parent-execution"),
        [format!("/console/executions/{id}")]
    );
    assert_eq!(count(body, "total"), "101");
    assert_eq!(count(body, "succeeded"), "101");
    for none in ["failed", "running", "pending", "aborted"] {
        assert_eq!(count(body, none), "0", "{none}");
    }
    let first = links(body, "id child-execution");
    assert_eq!(first.len(), 100, "a page holds 100 children");
    assert!(body.contains("Page 1 of 2"), "{body}");
    assert!(body.contains(r#"rel="next""#), "{body}");

    let second = c.get(&format!("{}?page=2", runs[0])).await;
    assert_eq!(second.status, StatusCode::OK);
    let rest = links(&second.body, "id child-execution");
    assert_eq!(rest.len(), 1);
    assert!(!first.contains(&rest[0]));
    assert!(second.body.contains("Page 2 of 2"));

    // A child's page draws the processor it ran, and leads back to its run and parent.
    let child = c.get(&first[0]).await;
    assert_eq!(child.status, StatusCode::OK);
    let body = &child.body;
    assert!(body.contains(r#"data-panel="Tally""#), "{body}");
    assert!(body.contains(r#"data-panel="Store""#), "{body}");
    assert!(!body.contains(r#"data-panel="ProcessJob""#), "{body}");
    assert_eq!(links(body, "map-run-link"), [runs[0].clone()]);
    assert!(body.contains(&format!(r#"href="/console/executions/{id}""#)));
    assert!(body.contains("ExecutionSucceeded"), "{body}");

    let missing = c.get("/console/map-runs/no-such-run").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    c.stack.stop().await;
}
