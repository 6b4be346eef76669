//! Running a definition offline with mocked task results, in the format of Step Functions
//! Local's mock configuration file:
//!
//! ```json
//! {
//!   "StateMachines": {"Jobs": {"TestCases": {"Archive": {"ProcessJob": "ProcessFails"}}}},
//!   "MockedResponses": {
//!     "ProcessFails": {
//!       "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "busy"}},
//!       "1-2": {"Return": {"StatusCode": 200, "Payload": {"status": "Failure"}}}
//!     }
//!   }
//! }
//! ```
//!
//! A test case maps Task state names to mocked responses; a mocked response maps invocation
//! numbers of that state (`"0"` for the first, ranges such as `"1-2"`, together covering
//! `0..n` without gaps) to a `Return` (the task's result) or a `Throw` (`Error`, `Cause`).

use crate::error::{names, TaskError};
use crate::executor::{TaskContext, TaskHandler};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A mock configuration file that cannot be used, with what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mock configuration: {0}")]
pub struct MockError(pub String);

fn bad(msg: impl Into<String>) -> MockError {
    MockError(msg.into())
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Return(Value),
    Throw { error: String, cause: String },
}

/// The answers of one mocked response, by invocation number.
#[derive(Debug, Clone, PartialEq)]
pub struct MockedResponse {
    name: String,
    /// (first invocation, last invocation, outcome), in order, contiguous from 0.
    ranges: Vec<(u32, u32, Outcome)>,
}

impl MockedResponse {
    fn parse(name: &str, v: &Value) -> Result<MockedResponse, MockError> {
        let m = v.as_object().filter(|m| !m.is_empty()).ok_or_else(|| {
            bad(format!(
                "MockedResponses.{name} must be an object of invocation numbers (\"0\", \"1-2\") to responses"
            ))
        })?;
        let mut ranges = Vec::with_capacity(m.len());
        for (key, resp) in m {
            let (a, b) = parse_range(key).ok_or_else(|| {
                bad(format!(
                    "MockedResponses.{name}: \"{key}\" is not an invocation number or range such as \"0\" or \"1-2\""
                ))
            })?;
            ranges.push((a, b, parse_outcome(name, key, resp)?));
        }
        ranges.sort_by_key(|r| r.0);
        let mut expect = 0;
        for (a, b, _) in &ranges {
            if *a != expect {
                return Err(bad(format!(
                    "MockedResponses.{name}: the invocations must be numbered from 0 without gaps or overlaps; \
                     expected one starting at {expect}, found one starting at {a}"
                )));
            }
            expect = b + 1;
        }
        Ok(MockedResponse {
            name: name.to_owned(),
            ranges,
        })
    }

    fn answer(&self, invocation: u32) -> Option<&Outcome> {
        self.ranges
            .iter()
            .find(|(a, b, _)| (*a..=*b).contains(&invocation))
            .map(|(_, _, o)| o)
    }
}

fn parse_range(key: &str) -> Option<(u32, u32)> {
    let key = key.trim();
    match key.split_once('-') {
        None => key.parse().ok().map(|n| (n, n)),
        Some((a, b)) => {
            let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
    }
}

fn parse_outcome(name: &str, key: &str, v: &Value) -> Result<Outcome, MockError> {
    let at = format!("MockedResponses.{name}.\"{key}\"");
    let m = v
        .as_object()
        .ok_or_else(|| bad(format!("{at} must be an object with Return or Throw")))?;
    match (m.get("Return"), m.get("Throw")) {
        (Some(_), Some(_)) => Err(bad(format!("{at} has both Return and Throw; give one"))),
        (Some(r), None) => Ok(Outcome::Return(r.clone())),
        (None, Some(t)) => {
            let error = t
                .get("Error")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("{at}.Throw needs an Error string")))?;
            let cause = match t.get("Cause") {
                None => "",
                Some(Value::String(c)) => c,
                Some(_) => return Err(bad(format!("{at}.Throw.Cause must be a string"))),
            };
            Ok(Outcome::Throw {
                error: error.to_owned(),
                cause: cause.to_owned(),
            })
        }
        (None, None) => Err(bad(format!("{at} needs Return or Throw"))),
    }
}

/// A parsed mock configuration file.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// State machine -> test case -> state -> mocked response name.
    machines: Map<String, Value>,
    responses: HashMap<String, Arc<MockedResponse>>,
}

impl MockConfig {
    pub fn from_json(text: &str) -> Result<MockConfig, MockError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let m = v.as_object().ok_or_else(|| {
            bad("the file must be a JSON object with StateMachines and MockedResponses")
        })?;
        for k in m.keys() {
            if k != "StateMachines" && k != "MockedResponses" {
                return Err(bad(format!(
                    "unknown top-level field \"{k}\" (the file has StateMachines and MockedResponses)"
                )));
            }
        }
        let responses = match m.get("MockedResponses") {
            None => HashMap::new(),
            Some(Value::Object(r)) => r
                .iter()
                .map(|(name, v)| Ok((name.clone(), Arc::new(MockedResponse::parse(name, v)?))))
                .collect::<Result<_, MockError>>()?,
            Some(_) => return Err(bad("MockedResponses must be an object")),
        };
        let machines = match m.get("StateMachines") {
            Some(Value::Object(s)) => s.clone(),
            Some(_) => return Err(bad("StateMachines must be an object")),
            None => return Err(bad("StateMachines is missing")),
        };
        let cfg = MockConfig {
            machines,
            responses,
        };
        // Every test case of every machine must name responses that exist.
        for (machine, def) in &cfg.machines {
            for case in cfg.cases_of(machine, def)?.keys() {
                cfg.test_case(Some(machine), Some(case))?;
            }
        }
        Ok(cfg)
    }

    fn cases_of<'a>(
        &self,
        machine: &str,
        def: &'a Value,
    ) -> Result<&'a Map<String, Value>, MockError> {
        def.get("TestCases")
            .and_then(Value::as_object)
            .ok_or_else(|| bad(format!("StateMachines.{machine} needs a TestCases object")))
    }

    /// The names of the state machines the file configures.
    pub fn state_machines(&self) -> impl Iterator<Item = &str> {
        self.machines.keys().map(String::as_str)
    }

    /// The test case `case` of `machine`; either may be left out when the file has only one.
    pub fn test_case(
        &self,
        machine: Option<&str>,
        case: Option<&str>,
    ) -> Result<TestCase, MockError> {
        let machine = match machine {
            Some(m) => m.to_owned(),
            None => only("state machine", self.machines.keys(), "--state-machine")?,
        };
        let def = self.machines.get(&machine).ok_or_else(|| {
            bad(format!(
                "no state machine \"{machine}\" in StateMachines (it has {})",
                list(self.machines.keys())
            ))
        })?;
        let cases = self.cases_of(&machine, def)?;
        let case = match case {
            Some(c) => c.to_owned(),
            None => only(
                &format!("test case of {machine}"),
                cases.keys(),
                "--test-case",
            )?,
        };
        let states = cases.get(&case).and_then(Value::as_object).ok_or_else(|| {
            bad(format!(
                "no test case \"{case}\" for state machine \"{machine}\" (it has {})",
                list(cases.keys())
            ))
        })?;
        let mut mocks = HashMap::new();
        for (state, resp) in states {
            let resp = resp.as_str().ok_or_else(|| {
                bad(format!(
                    "StateMachines.{machine}.TestCases.{case}.{state} must name a mocked response"
                ))
            })?;
            let r = self.responses.get(resp).ok_or_else(|| {
                bad(format!(
                    "test case \"{case}\" maps state \"{state}\" to \"{resp}\", which MockedResponses does not define"
                ))
            })?;
            mocks.insert(state.clone(), r.clone());
        }
        Ok(TestCase {
            machine,
            name: case,
            mocks,
        })
    }
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = names.map(|n| format!("\"{n}\"")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn only<'a>(
    what: &str,
    mut names: impl Iterator<Item = &'a String> + Clone,
    flag: &str,
) -> Result<String, MockError> {
    let all = list(names.clone());
    match (names.next(), names.next()) {
        (Some(n), None) => Ok(n.clone()),
        (None, _) => Err(bad(format!("the file has no {what}"))),
        _ => Err(bad(format!(
            "the file has more than one {what} ({all}): choose one with {flag}"
        ))),
    }
}

/// One test case: the mocked response of each Task state it mocks.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub machine: String,
    pub name: String,
    mocks: HashMap<String, Arc<MockedResponse>>,
}

impl TestCase {
    /// A test case that mocks nothing (every Task state fails saying so).
    pub fn empty(machine: &str) -> TestCase {
        TestCase {
            machine: machine.to_owned(),
            name: "(no mock file)".to_owned(),
            mocks: HashMap::new(),
        }
    }
}

/// Loads a definition for an offline run: fills its `${Name}` placeholders from `subs`, and
/// picks the test case of the mock file (when there is one) that serves its Task states.
pub fn offline(
    definition: &str,
    subs: &HashMap<String, String>,
    mocks: Option<&MockConfig>,
    machine: Option<&str>,
    case: Option<&str>,
) -> Result<(crate::definition::StateMachine, MockTasks), String> {
    let sm = crate::definition::StateMachine::from_json(&crate::definition::substitute(
        definition, subs,
    ))
    .map_err(|e| format!("the definition cannot run: {e}"))?;
    let case = match mocks {
        Some(cfg) => cfg.test_case(machine, case).map_err(|e| e.to_string())?,
        None => TestCase::empty(machine.unwrap_or("workflow")),
    };
    Ok((sm, MockTasks::new(case)))
}

/// Serves a test case's mocked responses to Task states, counting each state's invocations
/// in each execution (retries and re-entries included). A Task with no mock, or invoked more
/// often than its mocked response says, fails the execution with `States.Runtime`, which no
/// Retry or Catch takes, and a cause that says what to add to the file.
pub struct MockTasks {
    case: TestCase,
    /// Invocations so far, by execution ARN and state name; dropped when the execution ends.
    calls: Mutex<HashMap<Arc<str>, HashMap<String, u32>>>,
}

impl MockTasks {
    pub fn new(case: TestCase) -> Self {
        MockTasks {
            case,
            calls: Mutex::default(),
        }
    }

    pub fn test_case(&self) -> &TestCase {
        &self.case
    }

    /// Whether the test case answers the Task state `state`.
    pub fn mocks(&self, state: &str) -> bool {
        self.case.mocks.contains_key(state)
    }
}

#[async_trait]
impl TaskHandler for MockTasks {
    async fn invoke(
        &self,
        resource: &str,
        _input: Value,
        ctx: &TaskContext,
    ) -> Result<Value, TaskError> {
        let state = &*ctx.state_name;
        let Some(resp) = self.case.mocks.get(state) else {
            return Err(TaskError::new(
                names::RUNTIME,
                format!(
                    "Task state \"{state}\" ({resource}) has no mocked response in test case \"{}\" of \
                     state machine \"{}\": add \"{state}\": \"<MockedResponseName>\" to that test case",
                    self.case.name, self.case.machine
                ),
            ));
        };
        let n = {
            let mut calls = self.calls.lock().expect("mock calls lock");
            let c = calls
                .entry(ctx.execution_arn.clone())
                .or_default()
                .entry(state.to_owned())
                .or_default();
            *c += 1;
            *c - 1
        };
        match resp.answer(n) {
            Some(Outcome::Return(v)) => Ok(v.clone()),
            Some(Outcome::Throw { error, cause }) => Err(TaskError::new(error.clone(), cause.clone())),
            None => Err(TaskError::new(
                names::RUNTIME,
                format!(
                    "Task state \"{state}\" was invoked {} times, but mocked response \"{}\" answers \
                     only invocations 0 to {}: add a response for \"{n}\"",
                    n + 1,
                    resp.name,
                    n - 1
                ),
            )),
        }
    }

    fn execution_ended(&self, execution_arn: &str) {
        self.calls
            .lock()
            .expect("mock calls lock")
            .remove(execution_arn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> String {
        json!({
            "StateMachines": {"M": {"TestCases": {
                "Happy": {"A": "Ok"},
                "Retry": {"A": "Flaky"}
            }}},
            "MockedResponses": {
                "Ok": {"0": {"Return": {"v": 1}}},
                "Flaky": {
                    "0": {"Throw": {"Error": "E", "Cause": "first"}},
                    "1-2": {"Throw": {"Error": "E2"}},
                    "3": {"Return": {"v": 4}}
                }
            }
        })
        .to_string()
    }

    #[test]
    fn ranges_and_defaults() {
        let cfg = MockConfig::from_json(&doc()).unwrap();
        let case = cfg.test_case(None, Some("Retry")).unwrap();
        assert_eq!(case.machine, "M");
        let r = &case.mocks["A"];
        assert_eq!(
            r.answer(0),
            Some(&Outcome::Throw {
                error: "E".into(),
                cause: "first".into()
            })
        );
        assert_eq!(
            r.answer(2),
            Some(&Outcome::Throw {
                error: "E2".into(),
                cause: "".into()
            })
        );
        assert_eq!(r.answer(3), Some(&Outcome::Return(json!({"v": 4}))));
        assert_eq!(r.answer(4), None);
        let e = cfg.test_case(None, None).unwrap_err().to_string();
        assert!(
            e.contains("more than one test case") && e.contains("--test-case"),
            "{e}"
        );
        assert!(cfg
            .test_case(Some("X"), None)
            .unwrap_err()
            .to_string()
            .contains("no state machine \"X\""));
    }

    #[tokio::test]
    async fn each_execution_counts_its_own_invocations() {
        let cfg = MockConfig::from_json(&doc()).unwrap();
        let tasks = Arc::new(MockTasks::new(cfg.test_case(None, Some("Happy")).unwrap()));
        let machine = crate::definition::StateMachine::from_value(&json!({
            "StartAt": "A",
            "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true}}
        }))
        .unwrap();
        let executor = crate::Executor::new(Arc::new(machine), tasks.clone());
        // "Ok" answers invocation 0 only: each execution's first call is its own 0.
        for name in ["one", "two"] {
            let r = executor
                .run(crate::ExecutionSpec::new(
                    name,
                    format!("arn:aws:states:r:1:execution:M:{name}"),
                    json!({}),
                ))
                .await;
            assert_eq!(r.output, Some(json!({"v": 1})), "{name}: {:?}", r.cause);
        }
        assert!(
            tasks.calls.lock().unwrap().is_empty(),
            "counts outlive their executions"
        );
        assert!(tasks.mocks("A") && !tasks.mocks("B"));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = |v: Value| {
            MockConfig::from_json(&v.to_string())
                .unwrap_err()
                .to_string()
        };
        assert!(
            e(json!({"StateMachines": {}, "MockedResponses": {"R": {"1": {"Return": 1}}}}))
                .contains("from 0")
        );
        assert!(e(json!({"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1}, "0-1": {"Return": 2}}}})).contains("overlaps"));
        assert!(e(json!({"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}})).contains("both"));
        assert!(
            e(json!({"StateMachines": {}, "MockedResponses": {"R": {"a": {"Return": 1}}}}))
                .contains("\"a\"")
        );
        assert!(
            e(json!({"StateMachines": {"M": {"TestCases": {"T": {"S": "Nope"}}}}}))
                .contains("\"Nope\"")
        );
        assert!(e(json!({"StateMachines": {}, "Extra": 1})).contains("Extra"));
    }
}
