use serde_json::{json, Value};

use super::*;
use crate::console::outline::Outline;

fn drawing_of(definition: &Value) -> Drawing {
    lay_out(&Outline::from_definition(definition).unwrap()).expect("laid out")
}

fn jobs() -> Value {
    serde_json::from_str(crate::runtime::workflow::JOBS_DEFINITION).unwrap()
}

fn fan_out() -> Value {
    serde_json::from_str(include_str!("../../../tests/fixtures/fan-out.asl.json")).unwrap()
}

fn node<'a>(d: &'a Drawing, name: &str) -> &'a NodeBox {
    d.nodes
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("no node {name}"))
}

fn inside(inner: &NodeBox, outer: &NodeBox) -> bool {
    inner.x >= outer.x
        && inner.y >= outer.y
        && inner.x + inner.w <= outer.x + outer.w
        && inner.y + inner.h <= outer.y + outer.h
}

fn overlap(a: &NodeBox, b: &NodeBox) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

#[test]
fn the_jobs_workflow_has_every_state_an_edge_per_transition_and_no_overlap() {
    let d = drawing_of(&jobs());
    let states: Vec<&NodeBox> = d.nodes.iter().filter(|n| n.shape == Shape::State).collect();
    assert_eq!(states.len(), 5);
    assert_eq!(
        d.nodes.iter().filter(|n| n.shape == Shape::Start).count(),
        1
    );
    assert_eq!(d.nodes.iter().filter(|n| n.shape == Shape::End).count(), 1);
    // Start -> ProcessJob, two Catches, RecordFailure -> JobFailed,
    // ArchiveFailedJob -> JobArchived, and three states to End.
    assert_eq!(d.edges.len(), 8);
    assert_eq!(
        d.edges.iter().filter(|e| e.kind == EdgeKind::Catch).count(),
        2
    );
    for (i, a) in d.nodes.iter().enumerate() {
        for b in &d.nodes[i + 1..] {
            assert!(!overlap(a, b), "{} overlaps {}", a.name, b.name);
        }
    }
    // Top to bottom: the start above the first state, the first above what
    // its Catch leads to.
    let start = d.nodes.iter().find(|n| n.shape == Shape::Start).unwrap();
    assert!(start.y < node(&d, "ProcessJob").y);
    assert!(node(&d, "ProcessJob").y < node(&d, "RecordFailure").y);
    assert!(node(&d, "RecordFailure").y < node(&d, "ArchiveFailedJob").y);
    assert!(d.labels.iter().any(|l| l.text == "Catch States.ALL"));
    for n in &d.nodes {
        assert!(n.x >= 0.0 && n.y >= 0.0 && n.x + n.w <= d.width && n.y + n.h <= d.height);
    }
}

#[test]
fn branches_and_iterators_are_drawn_inside_their_state() {
    let d = drawing_of(&fan_out());
    let work = node(&d, "Work");
    let map = node(&d, "PrepareChunks");
    assert_eq!((work.shape, map.shape), (Shape::Group, Shape::Group));
    assert!(inside(node(&d, "ProcessJob"), work));
    assert!(inside(node(&d, "Audit"), work));
    assert!(!overlap(node(&d, "ProcessJob"), node(&d, "Audit")));
    assert!(inside(node(&d, "PrepareChunk"), map));
    assert!(inside(node(&d, "SettleChunk"), map));
    assert!(!overlap(work, map));
    assert!(!inside(node(&d, "Done"), work));
    let labels: Vec<&str> = d.labels.iter().map(|l| l.text.as_str()).collect();
    assert!(
        labels.contains(&"$.parameters is present: false"),
        "{labels:?}"
    );
    assert!(labels.contains(&"Default"), "{labels:?}");
}

#[test]
fn loops_self_transitions_and_two_rules_to_one_state_are_drawn() {
    let d = drawing_of(&json!({
        "StartAt": "Poll",
        "States": {
            "Poll": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Ready?",
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Poll"}]},
            "Ready?": {"Type": "Choice", "Choices": [
                {"Variable": "$.done", "BooleanEquals": true, "Next": "Finish"},
                {"Variable": "$.skip", "BooleanEquals": true, "Next": "Finish"}
            ], "Default": "Pause"},
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Poll"},
            "Finish": {"Type": "Succeed"}
        }
    }));
    assert_eq!(
        d.nodes.iter().filter(|n| n.shape == Shape::State).count(),
        4
    );
    // The two rules to Finish share one arrow.
    assert!(
        d.labels
            .iter()
            .any(|l| l.text == "$.done == true / $.skip == true"),
        "{:?}",
        d.labels
    );
}

#[test]
fn the_svg_colours_each_state_by_its_status_and_escapes_names() {
    let d = drawing_of(&json!({
        "StartAt": "A <b>",
        "States": {"A <b>": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}
    }));
    let status = HashMap::from([
        ("A <b>".to_owned(), StateStatus::Succeeded),
        ("B".to_owned(), StateStatus::InProgress),
    ]);
    let svg = svg(&d, &status);
    assert!(
        svg.contains(r#"class="node s-succeeded" data-state="A &lt;b&gt;""#),
        "{svg}"
    );
    assert!(
        svg.contains(r#"class="node s-in-progress" data-state="B""#),
        "{svg}"
    );
    assert!(!svg.contains("<b>"));
    let none = svg_of_nothing(&d);
    assert!(none.contains("s-not-reached") && !none.contains("s-succeeded"));
}

fn svg_of_nothing(d: &Drawing) -> String {
    svg(d, &HashMap::new())
}

#[test]
fn paths_move_with_their_drawing() {
    assert_eq!(
        shift_path("M 1.0 2.0 C 3.0 4.0, 5.0 6.0, 7.0 8.0", 10.0, 100.0),
        "M 11.0 102.0 C 13.0 104.0, 15.0 106.0, 17.0 108.0"
    );
    assert_eq!(
        path_points("M 1.0 2.0 S 3.0 4.0, 5.0 6.0"),
        [(1.0, 2.0), (3.0, 4.0), (5.0, 6.0)]
    );
}
