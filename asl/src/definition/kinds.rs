//! One parser per state kind: the fields only that kind has, in either query language.

use super::fields::Raw;
use super::model::{Amount, Choice, Cond, Credentials, Kind, Seconds, Selector, Text, WaitFor};
use crate::choice::{parse_timestamp, Rule};
use crate::error::DefinitionError;
use crate::intrinsics::Intrinsic;
use crate::path::Path;
use serde_json::Value;

pub(super) fn pass(s: &Raw<'_>) -> Kind {
    Kind::Pass {
        result: s.get("Result").cloned(),
    }
}

pub(super) fn task(s: &Raw<'_>) -> Result<Kind, DefinitionError> {
    let resource = s
        .str_field("Resource")?
        .ok_or_else(|| s.err("Resource", "missing"))?;
    check_integration(resource).map_err(|e| s.err("Resource", e))?;
    let (rt, rn) = split_resource(resource);
    let timeout = match (s.get("TimeoutSeconds"), s.path_field("TimeoutSecondsPath")?) {
        (Some(_), Some(_)) => {
            return Err(s.err(
                "TimeoutSecondsPath",
                "TimeoutSeconds and TimeoutSecondsPath are exclusive",
            ))
        }
        (Some(v), None) if s.jsonata() => Some(s.seconds("TimeoutSeconds", v, false)?),
        (Some(v), None) => Some(Seconds::Fixed(s.positive_int("TimeoutSeconds", v)?)),
        (None, Some(p)) => Some(Seconds::Path(p)),
        (None, None) => None,
    };
    let heartbeat = match s.path_field("HeartbeatSecondsPath")? {
        Some(_) if s.get("HeartbeatSeconds").is_some() => {
            return Err(s.err(
                "HeartbeatSecondsPath",
                "HeartbeatSeconds and HeartbeatSecondsPath are exclusive",
            ))
        }
        Some(p) => Some(Seconds::Path(p)),
        None => s
            .get("HeartbeatSeconds")
            .map(|v| {
                if s.jsonata() {
                    s.seconds("HeartbeatSeconds", v, false)
                } else {
                    s.positive_int("HeartbeatSeconds", v).map(Seconds::Fixed)
                }
            })
            .transpose()?,
    };
    let credentials = match s.get("Credentials") {
        None => None,
        Some(v) => {
            credentials_shape(v).map_err(|e| s.err("Credentials", e))?;
            Some(if s.jsonata() {
                Credentials::Jsonata(s.jtemplate_of("Credentials", v)?)
            } else {
                Credentials::Path(s.template("Credentials")?.expect("Credentials is present"))
            })
        }
    };
    Ok(Kind::Task {
        resource: resource.into(),
        resource_type: rt.into(),
        resource_name: rn.into(),
        timeout,
        heartbeat,
        credentials,
    })
}

/// `Credentials` holds exactly a role: `RoleArn`, or `RoleArn.$` with a path (JSONPath).
fn credentials_shape(v: &Value) -> Result<(), String> {
    let m = v
        .as_object()
        .ok_or("must be an object with a RoleArn field")?;
    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
    match keys.as_slice() {
        ["RoleArn"] | ["RoleArn.$"] => Ok(()),
        _ => Err(format!(
            "must have exactly one field, RoleArn (or RoleArn.$), not {}",
            keys.join(", ")
        )),
    }
}

/// The optimized integrations of a few services, whose actions AWS checks when it takes the
/// definition (from the service integration pages of the Step Functions guide); others pass.
const INTEGRATIONS: &[(&str, &[&str])] = &[
    (
        "dynamodb",
        &["getItem", "putItem", "updateItem", "deleteItem"],
    ),
    ("lambda", &["invoke"]),
    ("sns", &["publish"]),
    ("sqs", &["sendMessage"]),
    ("events", &["putEvents"]),
    ("states", &["startExecution"]),
];

/// Refuses `arn:aws:states:::SERVICE:ACTION` when the service is one of [`INTEGRATIONS`] and
/// the action is not its own (`.sync` and `.waitForTaskToken` suffixes aside).
fn check_integration(resource: &str) -> Result<(), String> {
    let Some(rest) = resource.strip_prefix("arn:aws:states:::") else {
        return Ok(());
    };
    let Some((service, action)) = rest.split_once(':') else {
        return Ok(());
    };
    let action = action.split('.').next().unwrap_or_default();
    match INTEGRATIONS.iter().find(|(s, _)| *s == service) {
        Some((_, actions)) if !actions.contains(&action) => Err(format!(
            "The resource provided {resource} is not recognized: {service}'s integrations are \
             {} (for any other action use the AWS SDK integration, \
             arn:aws:states:::aws-sdk:{service}:{action})",
            actions.join(", ")
        )),
        _ => Ok(()),
    }
}

/// The resource type and name that TaskScheduled events report: `lambda` and `invoke` for
/// `arn:aws:states:::lambda:invoke`, the service and the whole ARN for other ARNs.
fn split_resource(resource: &str) -> (String, String) {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        if let Some((ty, name)) = rest.split_once(':') {
            return (ty.to_owned(), name.to_owned());
        }
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() >= 3 && parts[0] == "arn" {
        return (parts[2].to_owned(), resource.to_owned());
    }
    (String::new(), resource.to_owned())
}

pub(super) fn choice(s: &Raw<'_>) -> Result<Kind, DefinitionError> {
    let list = s.list("Choices")?;
    let mut choices = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let field = format!("Choices[{i}]");
        let cond = if s.jsonata() {
            jsonata_rule(s, &field, c)?
        } else {
            Cond::Rule(Rule::parse(c, true).map_err(|e| s.err(&field, e))?)
        };
        let next_field = format!("{field}.Next");
        let next = s.target(
            &next_field,
            c.get("Next").ok_or_else(|| s.err(&next_field, "missing"))?,
        )?;
        let output = match c.get("Output") {
            Some(v) => Some(s.jtemplate_of(&format!("{field}.Output"), v)?),
            None => None,
        };
        choices.push(Choice {
            cond,
            next,
            assign: s.assign(&format!("{field}.Assign"), c.get("Assign"))?,
            output,
        });
    }
    let default = s
        .get("Default")
        .map(|d| s.target("Default", d))
        .transpose()?;
    Ok(Kind::Choice { choices, default })
}

/// A JSONata Choice rule: a `Condition` expression, `Next`, and optionally `Assign` and
/// `Output`.
fn jsonata_rule(s: &Raw<'_>, field: &str, c: &Value) -> Result<Cond, DefinitionError> {
    let m = c
        .as_object()
        .ok_or_else(|| s.err(field, "a choice rule must be an object"))?;
    for k in m.keys() {
        if !matches!(
            k.as_str(),
            "Condition" | "Next" | "Assign" | "Output" | "Comment"
        ) {
            return Err(s.err(
                &format!("{field}.{k}"),
                "unsupported field for a JSONata choice rule (it takes Condition, Next, Assign and Output)",
            ));
        }
    }
    let cf = format!("{field}.Condition");
    let v = m.get("Condition").ok_or_else(|| s.err(&cf, "missing"))?;
    match v {
        Value::Bool(b) => Ok(Cond::Rule(if *b {
            Rule::And(Vec::new())
        } else {
            Rule::Or(Vec::new())
        })),
        _ => s
            .expr(&cf, v)?
            .map(Cond::Jsonata)
            .ok_or_else(|| s.err(&cf, "must be a {% %} JSONata expression or a boolean")),
    }
}

pub(super) fn wait(s: &Raw<'_>) -> Result<Kind, DefinitionError> {
    let present: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
        .into_iter()
        .filter(|k| s.m.contains_key(*k))
        .collect();
    if present.len() != 1 {
        return Err(s.err(
            present.get(1).copied().unwrap_or("Seconds"),
            if s.jsonata() {
                "a Wait state needs exactly one of Seconds, Timestamp"
            } else {
                "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath"
            },
        ));
    }
    Ok(Kind::Wait(match present[0] {
        "Seconds" if s.jsonata() => s.seconds("Seconds", &s.m["Seconds"], true)?.into(),
        "Seconds" => Seconds::Fixed(s.non_negative_int("Seconds", &s.m["Seconds"])?).into(),
        "SecondsPath" => Seconds::Path(s.path_field("SecondsPath")?.expect("present")).into(),
        "Timestamp" => {
            // In JSONPath a `{% %}` text is no expression: it is refused below as a timestamp.
            if s.jsonata() {
                if let Some(e) = s.expr("Timestamp", &s.m["Timestamp"])? {
                    return Ok(Kind::Wait(WaitFor::TimestampExpr(e)));
                }
            }
            let t = s.str_field("Timestamp")?.expect("present");
            WaitFor::Timestamp(
                parse_timestamp(t).ok_or_else(|| {
                    s.err("Timestamp", format!("'{t}' is not an RFC 3339 timestamp"))
                })?,
            )
        }
        _ => WaitFor::TimestampPath(s.path_field("TimestampPath")?.expect("present")),
    }))
}

pub(super) fn fail(s: &Raw<'_>) -> Result<Kind, DefinitionError> {
    let text = |lit: &str, path: &str| -> Result<Text, DefinitionError> {
        if s.jsonata() {
            return match s.get(lit) {
                None => Ok(Text::None),
                Some(v) => match s.expr(lit, v)? {
                    Some(e) => Ok(Text::Jsonata(e)),
                    None => Ok(Text::Literal(
                        s.str_field(lit)?.expect("present").to_owned(),
                    )),
                },
            };
        }
        match (s.str_field(lit)?, s.str_field(path)?) {
            (Some(_), Some(_)) => Err(s.err(path, format!("{lit} and {path} are exclusive"))),
            (Some(l), None) => Ok(Text::Literal(l.to_owned())),
            (None, Some(p)) if p.starts_with("States.") => Ok(Text::Intrinsic(
                Intrinsic::parse(p).map_err(|e| s.err(path, e))?,
            )),
            (None, Some(p)) => Ok(Text::Path(Path::parse(p).map_err(|e| s.err(path, e))?)),
            (None, None) => Ok(Text::None),
        }
    };
    Ok(Kind::Fail {
        error: text("Error", "ErrorPath")?,
        cause: text("Cause", "CausePath")?,
    })
}

pub(super) fn parallel(s: &Raw<'_>) -> Result<Kind, DefinitionError> {
    let list = s.list("Branches")?;
    let mut branches = Vec::with_capacity(list.len());
    for (i, b) in list.iter().enumerate() {
        let field = format!("Branches[{i}]");
        let bm = b
            .as_object()
            .ok_or_else(|| s.err(&field, "must be an object"))?;
        s.check_set_fields(&field, bm, false)?;
        branches.push(s.state_set(bm)?);
    }
    Ok(Kind::Parallel { branches })
}

pub(super) fn map(s: &Raw<'_>) -> Result<Kind, DefinitionError> {
    let (field, proc) = match (s.get("ItemProcessor"), s.get("Iterator")) {
        (Some(_), Some(_)) => {
            return Err(s.err("Iterator", "ItemProcessor and Iterator are exclusive"))
        }
        (Some(p), None) => ("ItemProcessor", p),
        (None, Some(p)) => ("Iterator", p),
        (None, None) => return Err(s.err("ItemProcessor", "missing")),
    };
    let pm = proc
        .as_object()
        .ok_or_else(|| s.err(field, "must be an object"))?;
    s.check_set_fields(field, pm, true)?;
    let item_selector = if s.jsonata() {
        s.jtemplate("ItemSelector")?.map(Selector::Jsonata)
    } else {
        match (s.template("ItemSelector")?, s.template("Parameters")?) {
            (Some(_), Some(_)) => {
                return Err(s.err("Parameters", "ItemSelector and Parameters are exclusive"))
            }
            (a, b) => a.or(b).map(Selector::Path),
        }
    };
    let max_concurrency = match (s.get("MaxConcurrency"), s.path_field("MaxConcurrencyPath")?) {
        (Some(_), Some(_)) => {
            return Err(s.err(
                "MaxConcurrencyPath",
                "MaxConcurrency and MaxConcurrencyPath are exclusive",
            ))
        }
        (Some(v), None) if s.jsonata() => Some(s.seconds("MaxConcurrency", v, true)?),
        (Some(v), None) => Some(Seconds::Fixed(s.non_negative_int("MaxConcurrency", v)?)),
        (None, Some(p)) => Some(Seconds::Path(p)),
        (None, None) => None,
    };
    let amount = |lit: &str, path: &str| -> Result<Option<Box<Amount>>, DefinitionError> {
        Ok(match (s.get(lit), s.path_field(path)?) {
            (Some(_), Some(_)) => {
                return Err(s.err(path, format!("{lit} and {path} are exclusive")))
            }
            (Some(v), None) if s.jsonata() => Some(match s.expr(lit, v)? {
                Some(e) => Amount::Jsonata(e),
                None => Amount::Fixed(v.clone()),
            }),
            (Some(v), None) => Some(Amount::Fixed(v.clone())),
            (None, Some(p)) => Some(Amount::Path(p)),
            (None, None) => None,
        }
        .map(Box::new))
    };
    Ok(Kind::Map {
        items_path: s.path_field("ItemsPath")?,
        items: s.jtemplate("Items")?,
        item_selector,
        max_concurrency,
        tolerated_count: amount("ToleratedFailureCount", "ToleratedFailureCountPath")?,
        tolerated_percentage: amount(
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        )?,
        distributed: super::distributed::parse(s, pm)?,
        processor: Box::new(s.state_set(pm)?),
    })
}
