//! What the graph shows of a definition: each state set (the top level, a
//! Parallel branch, a Map's item processor) with its states, their
//! transitions, and the sets nested in them. Read from the definition's JSON,
//! which the interpreter has already checked when it ran it.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outline {
    pub start_at: String,
    pub states: Vec<StateNode>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StateNode {
    pub name: String,
    /// `Type`: Task, Choice, Parallel, Map, ...
    pub kind: String,
    /// Where the state goes.
    pub edges: Vec<Edge>,
    /// Whether the state set can end here (End, Succeed, Fail).
    pub ends: bool,
    /// Parallel branches, or the Map's item processor.
    pub children: Vec<Outline>,
    /// The JSON of the state, for the detail panel.
    pub source: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeKind {
    Next,
    Choice,
    Default,
    Catch,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Edge {
    pub to: String,
    pub kind: EdgeKind,
    pub label: String,
}

impl Outline {
    /// `None` for JSON that is no state set (it would not have run).
    pub(crate) fn from_definition(definition: &Value) -> Option<Self> {
        let set = definition.as_object()?;
        let start_at = set.get("StartAt")?.as_str()?.to_owned();
        let states = set
            .get("States")?
            .as_object()?
            .iter()
            .map(|(name, state)| StateNode::read(name, state.as_object()?))
            .collect::<Option<Vec<_>>>()?;
        Some(Self { start_at, states })
    }

    /// Every state name in this set and the sets nested in it.
    pub(crate) fn all_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for state in &self.states {
            names.push(state.name.as_str());
            for child in &state.children {
                names.extend(child.all_names());
            }
        }
        names
    }

    /// The state with this name, here or nested.
    pub(crate) fn find(&self, name: &str) -> Option<&StateNode> {
        self.states.iter().find_map(|s| {
            if s.name == name {
                Some(s)
            } else {
                s.children.iter().find_map(|c| c.find(name))
            }
        })
    }
}

impl StateNode {
    fn read(name: &str, state: &Map<String, Value>) -> Option<Self> {
        let kind = state.get("Type")?.as_str()?.to_owned();
        let text = |key: &str| state.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut edges = Vec::new();
        if let Some(to) = text("Next") {
            edges.push(Edge {
                to,
                kind: EdgeKind::Next,
                label: String::new(),
            });
        }
        for (i, rule) in array(state, "Choices").iter().enumerate() {
            if let Some(to) = rule.get("Next").and_then(Value::as_str) {
                edges.push(Edge {
                    to: to.to_owned(),
                    kind: EdgeKind::Choice,
                    label: choice_label(rule).unwrap_or_else(|| format!("Rule #{}", i + 1)),
                });
            }
        }
        if let Some(to) = text("Default") {
            edges.push(Edge {
                to,
                kind: EdgeKind::Default,
                label: "Default".into(),
            });
        }
        for catcher in array(state, "Catch") {
            if let Some(to) = catcher.get("Next").and_then(Value::as_str) {
                let errors: Vec<&str> = catcher
                    .get("ErrorEquals")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                edges.push(Edge {
                    to: to.to_owned(),
                    kind: EdgeKind::Catch,
                    label: format!("Catch {}", errors.join(", ")),
                });
            }
        }
        let ends = state.get("End").and_then(Value::as_bool).unwrap_or(false)
            || matches!(kind.as_str(), "Succeed" | "Fail");
        let children = match kind.as_str() {
            "Parallel" => array(state, "Branches")
                .iter()
                .map(Outline::from_definition)
                .collect::<Option<Vec<_>>>()?,
            "Map" => state
                .get("ItemProcessor")
                .or_else(|| state.get("Iterator"))
                .and_then(Outline::from_definition)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        Some(Self {
            name: name.to_owned(),
            kind,
            edges,
            ends,
            children,
            source: Value::Object(state.clone()),
        })
    }
}

fn array<'a>(state: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    state
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A short text for a simple Choice rule (`$.x > 3`); `None` for compound
/// rules (And, Or, Not), which get their number instead. JSONata conditions
/// show their expression.
fn choice_label(rule: &Value) -> Option<String> {
    let rule = rule.as_object()?;
    if let Some(condition) = rule.get("Condition").and_then(Value::as_str) {
        let expression = condition
            .trim()
            .trim_start_matches("{%")
            .trim_end_matches("%}")
            .trim();
        return Some(shorten(expression));
    }
    let variable = rule.get("Variable")?.as_str()?;
    let (operator, value) = rule
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "Variable" | "Next" | "Comment" | "Assign"))?;
    let symbol = OPERATORS
        .iter()
        .find(|(suffix, _)| operator.trim_end_matches("Path").ends_with(suffix))
        .map(|(_, s)| *s)
        .unwrap_or(operator.as_str());
    let value = match value {
        Value::String(s) if operator.ends_with("Path") => s.clone(),
        other => other.to_string(),
    };
    Some(shorten(&format!("{variable} {symbol} {value}")))
}

/// Comparison suffixes of the States Language, longest first where one ends
/// another.
const OPERATORS: &[(&str, &str)] = &[
    ("GreaterThanEquals", ">="),
    ("LessThanEquals", "<="),
    ("GreaterThan", ">"),
    ("LessThan", "<"),
    ("Equals", "=="),
    ("Matches", "matches"),
    ("IsPresent", "is present:"),
    ("IsNull", "is null:"),
    ("IsNumeric", "is numeric:"),
    ("IsString", "is string:"),
    ("IsBoolean", "is boolean:"),
    ("IsTimestamp", "is timestamp:"),
];

fn shorten(text: &str) -> String {
    const MAX: usize = 32;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_jobs_workflow_has_its_catch_chain_and_two_endings() {
        let definition: Value =
            serde_json::from_str(crate::runtime::workflow::JOBS_DEFINITION).unwrap();
        let outline = Outline::from_definition(&definition).unwrap();
        assert_eq!(outline.start_at, "ProcessJob");
        let process = outline.find("ProcessJob").unwrap();
        assert!(process.ends);
        assert_eq!(
            process.edges,
            [Edge {
                to: "RecordFailure".into(),
                kind: EdgeKind::Catch,
                label: "Catch States.ALL".into()
            }]
        );
        let record = outline.find("RecordFailure").unwrap();
        let targets: Vec<(&str, EdgeKind)> = record
            .edges
            .iter()
            .map(|e| (e.to.as_str(), e.kind))
            .collect();
        assert_eq!(
            targets,
            [
                ("JobFailed", EdgeKind::Next),
                ("ArchiveFailedJob", EdgeKind::Catch)
            ]
        );
        assert!(outline.find("JobArchived").unwrap().ends);
    }

    #[test]
    fn choice_rules_parallel_branches_and_map_processors_are_read() {
        let definition = json!({
            "StartAt": "Pick",
            "States": {
                "Pick": {"Type": "Choice", "Choices": [
                    {"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Both"},
                    {"And": [{"Variable": "$.a", "IsPresent": true}], "Next": "Each"},
                    {"Condition": "{% $states.input.x = 1 %}", "Next": "Each"}
                ], "Default": "Both"},
                "Both": {"Type": "Parallel", "End": true, "Branches": [
                    {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}},
                    {"StartAt": "R", "States": {"R": {"Type": "Succeed"}}}
                ]},
                "Each": {"Type": "Map", "End": true, "ItemProcessor": {
                    "StartAt": "One", "States": {"One": {"Type": "Pass", "End": true}}
                }}
            }
        });
        let outline = Outline::from_definition(&definition).unwrap();
        let labels: Vec<&str> = outline
            .find("Pick")
            .unwrap()
            .edges
            .iter()
            .map(|e| e.label.as_str())
            .collect();
        assert_eq!(
            labels,
            ["$.n > 3", "Rule #2", "$states.input.x = 1", "Default"]
        );
        assert_eq!(outline.find("Both").unwrap().children.len(), 2);
        assert_eq!(outline.find("Each").unwrap().children[0].start_at, "One");
        assert!(outline.find("R").unwrap().ends);
        let mut names = outline.all_names();
        names.sort();
        assert_eq!(names, ["Both", "Each", "L", "One", "Pick", "R"]);
        assert!(Outline::from_definition(&json!({"States": {}})).is_none());
    }
}
