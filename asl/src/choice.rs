//! Choice rules: comparisons, type tests, `StringMatches` and boolean combinators.

use crate::error::Failure;
use crate::path::Path;
use chrono::{DateTime, FixedOffset};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Numeric,
    Boolean,
    Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Test {
    Present,
    Null,
    Numeric,
    String,
    Boolean,
    Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Literal(Value),
    Path(Path),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    Compare {
        var: Path,
        kind: Kind,
        cmp: Cmp,
        rhs: Operand,
    },
    Test {
        var: Path,
        test: Test,
        expect: bool,
    },
    Matches {
        var: Path,
        pattern: Vec<Glob>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Glob {
    Text(String),
    Star,
}

const COMPARISONS: [(&str, Kind, Cmp); 16] = [
    ("StringEquals", Kind::String, Cmp::Eq),
    ("StringLessThan", Kind::String, Cmp::Lt),
    ("StringGreaterThan", Kind::String, Cmp::Gt),
    ("StringLessThanEquals", Kind::String, Cmp::Le),
    ("StringGreaterThanEquals", Kind::String, Cmp::Ge),
    ("NumericEquals", Kind::Numeric, Cmp::Eq),
    ("NumericLessThan", Kind::Numeric, Cmp::Lt),
    ("NumericGreaterThan", Kind::Numeric, Cmp::Gt),
    ("NumericLessThanEquals", Kind::Numeric, Cmp::Le),
    ("NumericGreaterThanEquals", Kind::Numeric, Cmp::Ge),
    ("BooleanEquals", Kind::Boolean, Cmp::Eq),
    ("TimestampEquals", Kind::Timestamp, Cmp::Eq),
    ("TimestampLessThan", Kind::Timestamp, Cmp::Lt),
    ("TimestampGreaterThan", Kind::Timestamp, Cmp::Gt),
    ("TimestampLessThanEquals", Kind::Timestamp, Cmp::Le),
    ("TimestampGreaterThanEquals", Kind::Timestamp, Cmp::Ge),
];

const TESTS: [(&str, Test); 6] = [
    ("IsPresent", Test::Present),
    ("IsNull", Test::Null),
    ("IsNumeric", Test::Numeric),
    ("IsString", Test::String),
    ("IsBoolean", Test::Boolean),
    ("IsTimestamp", Test::Timestamp),
];

pub(crate) fn parse_timestamp(s: &str) -> Option<DateTime<FixedOffset>> {
    // The States Language requires an uppercase 'T' separator and an explicit offset.
    if !s.contains('T') {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok()
}

impl Rule {
    /// Parses one rule. `top` rules carry `Next` and may carry `Assign` (both read by the
    /// caller); nested ones must not.
    pub(crate) fn parse(v: &Value, top: bool) -> Result<Rule, String> {
        let m = v.as_object().ok_or("a choice rule must be an object")?;
        let mut op: Option<Rule> = None;
        let mut set = |r: Rule, name: &str| -> Result<(), String> {
            if op.is_some() {
                return Err(format!(
                    "a choice rule has exactly one operator; '{name}' is one too many"
                ));
            }
            op = Some(r);
            Ok(())
        };
        let var = || -> Result<Path, String> {
            let s = m
                .get("Variable")
                .ok_or("a comparison needs a 'Variable'")?
                .as_str()
                .ok_or("'Variable' must be a string")?;
            Path::parse(s).map_err(|e| format!("'Variable': {e}"))
        };
        for (k, val) in m {
            match k.as_str() {
                "Variable" | "Comment" => {}
                "Next" | "Assign" if top => {}
                "And" | "Or" => {
                    let list = val
                        .as_array()
                        .filter(|a| !a.is_empty())
                        .ok_or_else(|| format!("'{k}' must be a non-empty array of rules"))?;
                    let rules = list
                        .iter()
                        .map(|r| Rule::parse(r, false))
                        .collect::<Result<Vec<_>, _>>()?;
                    set(
                        if k == "And" {
                            Rule::And(rules)
                        } else {
                            Rule::Or(rules)
                        },
                        k,
                    )?;
                }
                "Not" => set(Rule::Not(Box::new(Rule::parse(val, false)?)), k)?,
                "StringMatches" => {
                    let p = val.as_str().ok_or("'StringMatches' must be a string")?;
                    set(
                        Rule::Matches {
                            var: var()?,
                            pattern: compile_glob(p),
                        },
                        k,
                    )?;
                }
                _ => {
                    let (base, is_path) = match k.strip_suffix("Path") {
                        Some(b) => (b, true),
                        None => (k.as_str(), false),
                    };
                    if let Some(&(_, kind, cmp)) = COMPARISONS.iter().find(|(n, _, _)| *n == base) {
                        let rhs = if is_path {
                            let s = val
                                .as_str()
                                .ok_or_else(|| format!("'{k}' must be a path"))?;
                            Operand::Path(Path::parse(s).map_err(|e| format!("'{k}': {e}"))?)
                        } else {
                            let ok = match kind {
                                Kind::String => val.is_string(),
                                Kind::Numeric => val.is_number(),
                                Kind::Boolean => val.is_boolean(),
                                Kind::Timestamp => val.as_str().and_then(parse_timestamp).is_some(),
                            };
                            if !ok {
                                return Err(format!("'{k}' has a value of the wrong type: {val}"));
                            }
                            Operand::Literal(val.clone())
                        };
                        set(
                            Rule::Compare {
                                var: var()?,
                                kind,
                                cmp,
                                rhs,
                            },
                            k,
                        )?;
                    } else if let Some(&(_, test)) = TESTS.iter().find(|(n, _)| *n == k) {
                        let expect = val
                            .as_bool()
                            .ok_or_else(|| format!("'{k}' must be true or false"))?;
                        set(
                            Rule::Test {
                                var: var()?,
                                test,
                                expect,
                            },
                            k,
                        )?;
                    } else {
                        return Err(format!("'{k}' is not a choice rule operator"));
                    }
                }
            }
        }
        let rule = op.ok_or("a choice rule needs an operator")?;
        if m.contains_key("Variable") && matches!(rule, Rule::And(_) | Rule::Or(_) | Rule::Not(_)) {
            return Err("'Variable' is not allowed next to And/Or/Not".into());
        }
        Ok(rule)
    }

    /// Every path this rule reads.
    pub(crate) fn paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        match self {
            Rule::And(r) | Rule::Or(r) => r.iter().for_each(|x| x.paths(out)),
            Rule::Not(r) => r.paths(out),
            Rule::Compare { var, rhs, .. } => {
                out.push(var);
                if let Operand::Path(p) = rhs {
                    out.push(p);
                }
            }
            Rule::Test { var, .. } | Rule::Matches { var, .. } => out.push(var),
        }
    }

    #[cfg(test)]
    pub(crate) fn eval(&self, input: &Value, ctx: &Value) -> Result<bool, Failure> {
        self.eval_in(input, &crate::path::Env::context_only(ctx))
    }

    /// Evaluates with the variables of `env` as well.
    pub(crate) fn eval_in(
        &self,
        input: &Value,
        env: &crate::path::Env<'_>,
    ) -> Result<bool, Failure> {
        let lookup = |p: &Path| -> Result<Value, Failure> {
            p.select_in(input, env).map(|c| c.into_owned()).ok_or_else(|| {
                Failure::runtime(format!(
                    "Invalid path '{p}': The choice state's condition path references an invalid value."
                ))
            })
        };
        Ok(match self {
            Rule::And(rs) => {
                for r in rs {
                    if !r.eval_in(input, env)? {
                        return Ok(false);
                    }
                }
                true
            }
            Rule::Or(rs) => {
                for r in rs {
                    if r.eval_in(input, env)? {
                        return Ok(true);
                    }
                }
                false
            }
            Rule::Not(r) => !r.eval_in(input, env)?,
            Rule::Test { var, test, expect } => {
                let v = var.select_in(input, env);
                let got = match (test, v.as_deref()) {
                    (Test::Present, v) => v.is_some(),
                    (_, None) => false,
                    (Test::Null, Some(v)) => v.is_null(),
                    (Test::Numeric, Some(v)) => v.is_number(),
                    (Test::String, Some(v)) => v.is_string(),
                    (Test::Boolean, Some(v)) => v.is_boolean(),
                    (Test::Timestamp, Some(v)) => v.as_str().and_then(parse_timestamp).is_some(),
                };
                got == *expect
            }
            Rule::Matches { var, pattern } => {
                let v = lookup(var)?;
                v.as_str().is_some_and(|s| glob_match(pattern, s))
            }
            Rule::Compare {
                var,
                kind,
                cmp,
                rhs,
            } => {
                let left = var.select_in(input, env).ok_or_else(|| {
                    Failure::runtime(format!(
                        "Invalid path '{var}': The choice state's condition path references an invalid value."
                    ))
                })?;
                let right = match rhs {
                    Operand::Literal(v) => std::borrow::Cow::Borrowed(v),
                    Operand::Path(p) => std::borrow::Cow::Owned(lookup(p)?),
                };
                match compare(*kind, &left, &right) {
                    Some(o) => match cmp {
                        Cmp::Eq => o == Ordering::Equal,
                        Cmp::Lt => o == Ordering::Less,
                        Cmp::Gt => o == Ordering::Greater,
                        Cmp::Le => o != Ordering::Greater,
                        Cmp::Ge => o != Ordering::Less,
                    },
                    None => false,
                }
            }
        })
    }
}

/// Orders two values of the rule's kind; `None` when either is of another type, which makes
/// the comparison false rather than an error, as in Step Functions.
fn compare(kind: Kind, a: &Value, b: &Value) -> Option<Ordering> {
    match kind {
        Kind::String => Some(a.as_str()?.cmp(b.as_str()?)),
        Kind::Numeric => {
            if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
                return Some(x.cmp(&y));
            }
            a.as_f64()?.partial_cmp(&b.as_f64()?)
        }
        Kind::Boolean => (a.as_bool()? == b.as_bool()?)
            .then_some(Ordering::Equal)
            .or(Some(Ordering::Less)),
        Kind::Timestamp => Some(parse_timestamp(a.as_str()?)?.cmp(&parse_timestamp(b.as_str()?)?)),
    }
}

fn compile_glob(p: &str) -> Vec<Glob> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut it = p.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                if let Some(n) = it.next() {
                    cur.push(n);
                }
            }
            '*' => {
                if !cur.is_empty() {
                    out.push(Glob::Text(std::mem::take(&mut cur)));
                }
                if out.last() != Some(&Glob::Star) {
                    out.push(Glob::Star);
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Glob::Text(cur));
    }
    out
}

fn glob_match(p: &[Glob], s: &str) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(Glob::Text(t)) => s
            .strip_prefix(t.as_str())
            .is_some_and(|r| glob_match(&p[1..], r)),
        Some(Glob::Star) => {
            if p.len() == 1 {
                return true;
            }
            s.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(s.len()))
                .any(|i| glob_match(&p[1..], &s[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(rule: Value, input: Value) -> Result<bool, Failure> {
        Rule::parse(&rule, false)
            .unwrap()
            .eval(&input, &json!({"State": {"Name": "C"}}))
    }

    #[test]
    fn string_numeric_boolean_comparisons() {
        let i = json!({"s": "b", "n": 5, "f": 2.5, "b": true, "o": "c"});
        assert!(check(json!({"Variable": "$.s", "StringEquals": "b"}), i.clone()).unwrap());
        assert!(check(json!({"Variable": "$.s", "StringLessThan": "c"}), i.clone()).unwrap());
        assert!(!check(
            json!({"Variable": "$.s", "StringGreaterThan": "c"}),
            i.clone()
        )
        .unwrap());
        assert!(check(
            json!({"Variable": "$.s", "StringGreaterThanEquals": "b"}),
            i.clone()
        )
        .unwrap());
        assert!(check(
            json!({"Variable": "$.s", "StringLessThanEqualsPath": "$.o"}),
            i.clone()
        )
        .unwrap());
        assert!(check(json!({"Variable": "$.n", "NumericEquals": 5.0}), i.clone()).unwrap());
        assert!(check(json!({"Variable": "$.f", "NumericLessThan": 3}), i.clone()).unwrap());
        assert!(check(
            json!({"Variable": "$.n", "NumericGreaterThanPath": "$.f"}),
            i.clone()
        )
        .unwrap());
        assert!(check(
            json!({"Variable": "$.n", "NumericLessThanEquals": 5}),
            i.clone()
        )
        .unwrap());
        assert!(!check(
            json!({"Variable": "$.n", "NumericGreaterThanEquals": 6}),
            i.clone()
        )
        .unwrap());
        assert!(check(json!({"Variable": "$.b", "BooleanEquals": true}), i.clone()).unwrap());
        assert!(!check(
            json!({"Variable": "$.b", "BooleanEqualsPath": "$.s"}),
            i.clone()
        )
        .unwrap());
        // A value of another type never matches.
        assert!(!check(json!({"Variable": "$.s", "NumericEquals": 1}), i.clone()).unwrap());
    }

    #[test]
    fn timestamps() {
        let i = json!({"t": "2024-01-02T03:04:05Z", "u": "2024-01-02T04:04:05+01:00", "bad": "yesterday"});
        assert!(check(
            json!({"Variable": "$.t", "TimestampEqualsPath": "$.u"}),
            i.clone()
        )
        .unwrap());
        assert!(check(
            json!({"Variable": "$.t", "TimestampLessThan": "2024-01-03T00:00:00Z"}),
            i.clone()
        )
        .unwrap());
        assert!(check(
            json!({"Variable": "$.t", "TimestampGreaterThanEquals": "2024-01-02T03:04:05Z"}),
            i.clone()
        )
        .unwrap());
        assert!(!check(
            json!({"Variable": "$.bad", "TimestampGreaterThan": "2024-01-02T03:04:05Z"}),
            i.clone()
        )
        .unwrap());
        assert!(check(json!({"Variable": "$.t", "IsTimestamp": true}), i.clone()).unwrap());
        assert!(check(
            json!({"Variable": "$.bad", "IsTimestamp": false}),
            i.clone()
        )
        .unwrap());
        assert!(Rule::parse(
            &json!({"Variable": "$.t", "TimestampEquals": "nope"}),
            false
        )
        .is_err());
    }

    #[test]
    fn type_tests() {
        let i = json!({"n": 1, "z": null, "s": "x", "b": false});
        assert!(check(json!({"Variable": "$.n", "IsPresent": true}), i.clone()).unwrap());
        assert!(check(
            json!({"Variable": "$.missing", "IsPresent": false}),
            i.clone()
        )
        .unwrap());
        assert!(check(json!({"Variable": "$.z", "IsNull": true}), i.clone()).unwrap());
        assert!(check(json!({"Variable": "$.n", "IsNumeric": true}), i.clone()).unwrap());
        assert!(check(json!({"Variable": "$.s", "IsString": true}), i.clone()).unwrap());
        assert!(check(json!({"Variable": "$.b", "IsBoolean": true}), i.clone()).unwrap());
        assert!(check(json!({"Variable": "$.s", "IsNumeric": false}), i.clone()).unwrap());
        assert!(!check(json!({"Variable": "$.missing", "IsNull": true}), i.clone()).unwrap());
        assert!(check(json!({"Variable": "$$.State.Name", "StringEquals": "C"}), i).unwrap());
    }

    #[test]
    fn string_matches() {
        let i = json!({"f": "log-2024.txt", "star": "a*b"});
        assert!(check(
            json!({"Variable": "$.f", "StringMatches": "log-*.txt"}),
            i.clone()
        )
        .unwrap());
        assert!(check(json!({"Variable": "$.f", "StringMatches": "*"}), i.clone()).unwrap());
        assert!(!check(
            json!({"Variable": "$.f", "StringMatches": "*.csv"}),
            i.clone()
        )
        .unwrap());
        assert!(check(
            json!({"Variable": "$.star", "StringMatches": "a\\*b"}),
            i.clone()
        )
        .unwrap());
        assert!(!check(json!({"Variable": "$.f", "StringMatches": "a\\*b"}), i).unwrap());
    }

    #[test]
    fn combinators() {
        let i = json!({"n": 5});
        let lo = json!({"Variable": "$.n", "NumericGreaterThan": 1});
        let hi = json!({"Variable": "$.n", "NumericGreaterThan": 10});
        assert!(check(json!({"And": [lo, {"Not": hi}]}), i.clone()).unwrap());
        assert!(check(json!({"Or": [hi, lo]}), i.clone()).unwrap());
        assert!(!check(json!({"And": [hi, lo]}), i).unwrap());
    }

    #[test]
    fn missing_variable_is_a_runtime_error() {
        let e = check(json!({"Variable": "$.x", "StringEquals": "a"}), json!({})).unwrap_err();
        assert_eq!(e.error, "States.Runtime");
    }

    #[test]
    fn parse_errors() {
        for bad in [
            json!({"Variable": "$.a"}),
            json!({"Variable": "$.a", "StringEquals": 1}),
            json!({"Variable": "$.a", "NumericEquals": "1"}),
            json!({"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1}),
            json!({"Variable": "$.a", "Bogus": 1}),
            json!({"And": []}),
            json!({"StringEquals": "x"}),
            json!({"Variable": "$.a", "StringEquals": "x", "Next": "B"}),
            json!({"Variable": "$.a", "IsNull": "yes"}),
        ] {
            assert!(Rule::parse(&bad, false).is_err(), "{bad} should not parse");
        }
        assert!(Rule::parse(
            &json!({"Variable": "$.a", "StringEquals": "x", "Next": "B"}),
            true
        )
        .is_ok());
    }
}
