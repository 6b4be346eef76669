//! A definition that cannot run is refused at load, with the state and field named.

use jobs_asl::StateMachine;
use serde_json::{json, Value};

fn err(def: Value) -> String {
    StateMachine::from_value(&def).unwrap_err().to_string()
}

fn one(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state, "End2": {"Type": "Succeed"}}})
}

#[test]
fn unknown_next_names_state_and_field() {
    let e = err(json!({"StartAt": "ProcessJob", "States": {
        "ProcessJob": {"Type": "Pass", "Next": "Nope"}}}));
    assert_eq!(
        e,
        r#"state "ProcessJob": field "Next": state "Nope" does not exist"#
    );
}

#[test]
fn start_at_problems() {
    assert_eq!(
        err(json!({"States": {"A": {"Type": "Succeed"}}})),
        r#"field "StartAt": missing"#
    );
    assert_eq!(
        err(json!({"StartAt": "B", "States": {"A": {"Type": "Succeed"}}})),
        r#"field "StartAt": state "B" does not exist"#
    );
    assert!(err(json!({"StartAt": "A"})).contains(r#"field "States""#));
    assert!(StateMachine::from_json("{not json").is_err());
}

#[test]
fn next_and_end() {
    assert_eq!(
        err(one(json!({"Type": "Pass"}))),
        r#"state "S": field "Next": missing: a state needs Next or End: true"#
    );
    assert!(
        err(one(json!({"Type": "Pass", "Next": "End2", "End": true}))).contains(r#"field "End""#)
    );
    assert!(err(one(json!({"Type": "Pass", "End": false}))).contains(r#"field "End""#));
    assert!(err(one(json!({"Type": "Succeed", "Next": "End2"})))
        .contains(r#"field "Next": unsupported"#));
}

#[test]
fn unknown_type_and_unsupported_fields() {
    assert_eq!(
        err(one(json!({"Type": "Sleep", "End": true}))),
        r#"state "S": field "Type": unknown state type "Sleep""#
    );
    assert!(err(one(json!({"Type": "Pass", "Bogus": 1, "End": true})))
        .starts_with(r#"state "S": field "Bogus""#));
    assert!(
        err(one(json!({"Type": "Pass", "Arguments": {}, "End": true})))
            .contains(r#"field "Arguments""#)
    );
    assert!(err(one(
        json!({"Type": "Pass", "QueryLanguage": "JSONata5", "End": true})
    ))
    .contains(r#"field "QueryLanguage""#));
    assert!(
        err(json!({"StartAt": "S", "Extra": 1, "States": {"S": {"Type": "Succeed"}}}))
            .contains(r#"field "Extra""#)
    );
}

#[test]
fn bad_paths_and_templates() {
    assert!(err(one(
        json!({"Type": "Pass", "InputPath": "a.b", "End": true})
    ))
    .contains(r#"field "InputPath""#));
    assert!(err(one(
        json!({"Type": "Pass", "ResultPath": "$.a[*]", "End": true})
    ))
    .contains(r#"field "ResultPath""#));
    assert!(err(one(
        json!({"Type": "Pass", "ResultPath": "$$.x", "End": true})
    ))
    .contains(r#"field "ResultPath""#));
    assert!(
        err(one(json!({"Type": "Pass", "OutputPath": 3, "End": true})))
            .contains(r#"field "OutputPath""#)
    );
    let e = err(one(
        json!({"Type": "Pass", "Parameters": {"a.$": "States.Nope()"}, "End": true}),
    ));
    assert!(
        e.starts_with(r#"state "S": field "Parameters": key 'a.$'"#),
        "{e}"
    );
}

#[test]
fn retry_and_catch_checks() {
    let task = |extra: Value| {
        let mut t = json!({"Type": "Task", "Resource": "r", "End": true});
        t.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        one(t)
    };
    assert!(err(task(json!({"Retry": [{"ErrorEquals": []}]})))
        .contains(r#"field "Retry[0].ErrorEquals""#));
    assert!(err(task(
        json!({"Retry": [{"ErrorEquals": ["States.ALL", "X"]}]})
    ))
    .contains("alone"));
    assert!(err(task(
        json!({"Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]})
    ))
    .contains("last"));
    assert!(err(task(
        json!({"Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}]})
    ))
    .contains(r#"field "Retry[0].BackoffRate""#));
    assert!(err(task(
        json!({"Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}]})
    ))
    .contains(r#"field "Retry[0].MaxAttempts""#));
    assert!(err(task(
        json!({"Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "SOME"}]})
    ))
    .contains("JitterStrategy"));
    assert!(err(task(
        json!({"Catch": [{"ErrorEquals": ["X"], "Next": "Nope"}]})
    ))
    .contains(r#"field "Catch[0].Next": state "Nope" does not exist"#));
    assert!(err(task(json!({"Catch": [{"ErrorEquals": ["X"]}]})))
        .contains(r#"field "Catch[0].Next": missing"#));
    assert!(err(task(json!({"TimeoutSeconds": 0}))).contains(r#"field "TimeoutSeconds""#));
    assert!(err(task(
        json!({"TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t"})
    ))
    .contains("exclusive"));
    assert!(StateMachine::from_value(&task(
        json!({"Retry": [{"ErrorEquals": ["X"], "MaxAttempts": 0}]})
    ))
    .is_ok());
}

#[test]
fn task_needs_a_resource() {
    assert_eq!(
        err(one(json!({"Type": "Task", "End": true}))),
        r#"state "S": field "Resource": missing"#
    );
}

#[test]
fn choice_wait_fail_map_parallel_checks() {
    assert!(err(one(json!({"Type": "Choice", "Choices": []}))).contains(r#"field "Choices""#));
    assert!(err(one(
        json!({"Type": "Choice", "Choices": [{"Variable": "$.a", "StringEquals": "x"}]})
    ))
    .contains(r#"field "Choices[0].Next": missing"#));
    assert!(err(one(
        json!({"Type": "Choice", "Choices": [{"Variable": "$.a", "Foo": "x", "Next": "End2"}]})
    ))
    .contains(r#"field "Choices[0]""#));
    assert!(err(one(json!({"Type": "Choice", "Choices": [{"Variable": "$.a", "StringEquals": "x", "Next": "End2"}], "Default": "Z"})))
        .contains(r#"field "Default": state "Z" does not exist"#));
    assert!(err(one(json!({"Type": "Wait", "End": true}))).contains("exactly one"));
    assert!(err(one(
        json!({"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true})
    ))
    .contains("exactly one"));
    assert!(err(one(
        json!({"Type": "Wait", "Timestamp": "tomorrow", "End": true})
    ))
    .contains(r#"field "Timestamp""#));
    assert!(err(one(
        json!({"Type": "Fail", "Error": "a", "ErrorPath": "$.e"})
    ))
    .contains("exclusive"));
    assert!(
        err(one(json!({"Type": "Map", "End": true}))).contains(r#"field "ItemProcessor": missing"#)
    );
    // A DISTRIBUTED Map runs as an INLINE one (AWS gives the same results); other modes are
    // refused.
    assert!(err(one(json!({"Type": "Map", "End": true, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "SIDEWAYS"}, "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}})))
        .contains("INLINE or DISTRIBUTED"));
    assert!(err(one(
        json!({"Type": "Parallel", "End": true, "Branches": []})
    ))
    .contains(r#"field "Branches""#));
    // Inner states are checked too, and named.
    let e = err(one(json!({"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "In", "States": {"In": {"Type": "Pass", "Next": "Out"}}}]})));
    assert_eq!(e, r#"state "In": field "Next": state "Out" does not exist"#);
}

#[test]
fn unreachable_states_are_fine() {
    assert!(StateMachine::from_value(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Succeed"}, "Orphan": {"Type": "Pass", "End": true}}}))
    .is_ok());
}

#[test]
fn substitute_fills_placeholders_and_escapes() {
    let vars = std::collections::HashMap::from([
        ("A".to_owned(), "arn:1".to_owned()),
        ("Q".to_owned(), "say \"hi\"".to_owned()),
    ]);
    assert_eq!(
        jobs_asl::substitute(r#"{"a": "${A}", "q": "${Q}", "u": "${Unknown}"}"#, &vars),
        r#"{"a": "arn:1", "q": "say \"hi\"", "u": "${Unknown}"}"#
    );
}

/// Once a panic (exit 101) when the state ran: a `{% %}` text as a JSONPath Wait's Timestamp
/// is no expression there, and no timestamp either, so the definition is refused, as AWS
/// refuses it.
#[test]
fn a_jsonata_timestamp_in_a_jsonpath_wait_is_refused_not_a_panic() {
    let def = r#"{"StartAt": "W", "States": {"W": {"Type": "Wait",
        "Timestamp": "{% $states.input.at %}", "End": true}}}"#;
    let err = StateMachine::from_json(def).unwrap_err().to_string();
    assert!(err.contains("Timestamp"), "{err}");
    // In a JSONata state the same text is an expression, read when the state runs.
    let def = r#"{"QueryLanguage": "JSONata", "StartAt": "W", "States": {"W": {"Type": "Wait",
        "Timestamp": "{% $states.input.at %}", "End": true}}}"#;
    assert!(StateMachine::from_json(def).is_ok());
}
