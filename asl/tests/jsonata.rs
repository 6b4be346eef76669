//! JSONata and variables: what is refused at load (with the state and field named) and what
//! fails at run time.

mod support;

use jobs_asl::{ExecutionSpec, ExecutionStatus, Executor, StateMachine};
use serde_json::{json, Value};
use std::sync::Arc;
use support::Scripted;

fn err(def: Value) -> String {
    StateMachine::from_value(&def).unwrap_err().to_string()
}

fn jsonata(state: Value) -> Value {
    json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": state}})
}

async fn run(def: Value, input: Value) -> jobs_asl::ExecutionResult {
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    Executor::new(m, Arc::new(Scripted::new()))
        .run(ExecutionSpec::new(
            "e",
            "arn:aws:states:r:1:execution:m:e",
            input,
        ))
        .await
}

#[test]
fn syntax_errors_name_the_state_and_field() {
    let e = err(jsonata(
        json!({"Type": "Pass", "Output": {"a": {"b": "{% 1 + %}"}}, "End": true}),
    ));
    assert!(
        e.starts_with(
            r#"state "S": field "Output/a/b": the JSONata expression ' 1 + ' is not valid"#
        ),
        "{e}"
    );
    let e = err(jsonata(
        json!({"Type": "Choice", "Choices": [{"Condition": "{% $x = %}", "Next": "S"}]}),
    ));
    assert!(
        e.starts_with(r#"state "S": field "Choices[0].Condition""#),
        "{e}"
    );
    let e = err(jsonata(
        json!({"Type": "Task", "Resource": "r", "TimeoutSeconds": "{% ( %}", "End": true}),
    ));
    assert!(e.contains(r#"field "TimeoutSeconds""#), "{e}");
}

#[test]
fn references_to_the_input_document_are_refused() {
    let e = err(jsonata(
        json!({"Type": "Pass", "Output": {"v": "{% phone %}"}, "End": true}),
    ));
    assert!(
        e.contains(r#"field "Output/v""#) && e.contains("'phone' at the top level"),
        "{e}"
    );
    let e = err(jsonata(
        json!({"Type": "Pass", "Output": "{% $.total %}", "End": true}),
    ));
    assert!(e.contains("$states.input"), "{e}");
    assert!(StateMachine::from_value(&jsonata(
        json!({"Type": "Pass", "Output": "{% $states.input.orders[total > 10] %}", "End": true})
    ))
    .is_ok());
}

#[test]
fn jsonpath_fields_are_refused_in_jsonata_states_and_back() {
    for f in [
        "InputPath",
        "Parameters",
        "ResultPath",
        "OutputPath",
        "ResultSelector",
    ] {
        let mut st = json!({"Type": "Task", "Resource": "r", "End": true});
        st[f] = json!("$.x");
        let e = err(jsonata(st));
        assert!(
            e.starts_with(&format!(
                r#"state "S": field "{f}": {f} is a JSONPath field"#
            )),
            "{e}"
        );
    }
    let e =
        err(json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Output": {}, "End": true}}}));
    assert!(
        e.contains(r#"field "Output": Output is a JSONata field"#),
        "{e}"
    );
    let e = err(jsonata(
        json!({"Type": "Task", "Resource": "r", "End": true,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "S"}]}),
    ));
    assert!(e.contains(r#"field "Catch[0].ResultPath""#), "{e}");
}

#[test]
fn a_state_cannot_go_back_to_jsonpath_under_a_jsonata_machine() {
    let e = err(jsonata(
        json!({"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}),
    ));
    assert_eq!(
        e,
        r#"state "S": field "QueryLanguage": a state cannot use JSONPath when the state machine's QueryLanguage is JSONata"#
    );
    // The other way round is allowed, and nested states default to the machine's language.
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "QueryLanguage": "JSONata", "End": true,
        "Branches": [{"StartAt": "In", "States": {"In": {"Type": "Pass", "Parameters": {"a.$": "$.a"}, "End": true}}}]}}});
    assert!(StateMachine::from_value(&def).is_ok());
}

#[test]
fn inner_scopes_cannot_assign_outer_variables() {
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "M"},
        "M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "In", "States": {
            "In": {"Type": "Pass", "Assign": {"outer": 2}, "End": true}}}}}});
    let e = err(def);
    assert!(
        e.starts_with(
            r#"state "In": field "Assign": the variable 'outer' belongs to an enclosing scope"#
        ),
        "{e}"
    );
}

#[test]
fn variable_names_and_states_fields_are_checked() {
    for bad in ["x.y", "x[2]", "1x", "states"] {
        let e = err(jsonata(
            json!({"Type": "Pass", "Assign": {bad: 1}, "End": true}),
        ));
        assert!(e.starts_with(r#"state "S": field "Assign""#), "{bad}: {e}");
    }
    let e = err(jsonata(
        json!({"Type": "Task", "Resource": "r", "Arguments": {"r": "{% $states.result %}"}, "End": true}),
    ));
    assert!(
        e.contains(r#"field "Arguments""#) && e.contains("$states.result"),
        "{e}"
    );
    let e = err(jsonata(
        json!({"Type": "Pass", "Output": "{% $states.errorOutput %}", "End": true}),
    ));
    assert!(e.contains("$states.errorOutput"), "{e}");
}

#[tokio::test]
async fn eval_is_refused_as_step_functions_refuses_it() {
    let r = run(
        jsonata(json!({"Type": "Pass", "Output": "{% $eval('1 + 1') %}", "End": true})),
        json!({}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(r.error.as_deref(), Some("States.QueryEvaluationError"));
    assert!(r.cause.unwrap().contains("T1006"));
}

#[tokio::test]
async fn a_condition_must_be_a_boolean() {
    let r = run(
        jsonata(json!({"Type": "Choice", "Choices": [{"Condition": "{% 'yes' %}", "Next": "S"}]})),
        json!({}),
    )
    .await;
    assert_eq!(r.error.as_deref(), Some("States.QueryEvaluationError"));
    // AWS's words: the state and the event that entered it, the expression as written
    // inside `{% %}`, and the types quoted.
    assert_eq!(
        r.cause.as_deref(),
        Some(
            "An error occurred while executing the state 'S' (entered at the event id #2). \
             The JSONata expression ''yes'' specified for the field 'Choices[0]/Condition' \
             returned an unexpected result type. Expected 'boolean', but was 'string' for value: \
             \"yes\""
        )
    );
}

#[tokio::test]
async fn variables_have_step_functions_size_limits() {
    let big = "x".repeat(300 * 1024);
    let r = run(
        jsonata(json!({"Type": "Pass", "Assign": {"v": "{% $states.input.big %}"}, "End": true})),
        json!({"big": big}),
    )
    .await;
    assert_eq!(
        r.error.as_deref(),
        Some("States.DataLimitExceeded"),
        "{r:?}"
    );
    // Two variables under the limit each, over it together.
    let half = "x".repeat(140 * 1024);
    let r = run(
        jsonata(json!({"Type": "Pass", "Assign": {"a": "{% $states.input.h %}", "b": "{% $states.input.h %}"}, "End": true})),
        json!({"h": half}),
    )
    .await;
    assert_eq!(r.error.as_deref(), Some("States.DataLimitExceeded"));
    // Many states under the per-Assign limit, over the execution's 10 MiB together.
    let mut states = serde_json::Map::new();
    for i in 0..45 {
        states.insert(
            format!("S{i}"),
            json!({"Type": "Pass", "Assign": {format!("v{i}"): "{% $states.input.h %}"}, "Next": format!("S{}", i + 1)}),
        );
    }
    states.insert("S45".into(), json!({"Type": "Succeed"}));
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "S0", "States": states});
    let quarter = "x".repeat(250 * 1024);
    let r = run(def, json!({"h": quarter})).await;
    assert_eq!(r.error.as_deref(), Some("States.DataLimitExceeded"));
    assert!(r.path.len() > 40, "{:?}", r.path.len());
}

#[tokio::test]
async fn an_unassigned_variable_is_an_error_in_jsonata_and_not_found_in_jsonpath() {
    let r = run(
        jsonata(json!({"Type": "Pass", "Output": "{% $never %}", "End": true})),
        json!({}),
    )
    .await;
    assert_eq!(r.error.as_deref(), Some("States.QueryEvaluationError"));
    let def = json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": {"v.$": "$never"}, "End": true}}});
    let r = run(def, json!({})).await;
    assert_eq!(r.error.as_deref(), Some("States.Runtime"));
}
