//! Variable names, and the scope rule: the states of a Parallel branch or Map iteration may
//! read the variables of the scopes around them but must not assign them.

use super::model::{Kind, StateSet};
use crate::error::DefinitionError;

/// The longest variable name Step Functions accepts, in characters.
const MAX_NAME: usize = 80;

/// Checks one name of an `Assign`.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let start_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    if !start_ok || !chars.all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!(
            "'{name}' is not a variable name: it starts with a letter or '_' and goes on with \
             letters, digits and '_' (a part of a variable cannot be assigned)"
        ));
    }
    if name.chars().count() > MAX_NAME {
        return Err(format!(
            "the variable name '{name}' is longer than {MAX_NAME} characters"
        ));
    }
    if name == "states" {
        return Err("'states' is reserved by Step Functions and cannot be assigned".into());
    }
    Ok(())
}

/// Checks the scope rule over the whole machine.
pub(super) fn check(top: &StateSet) -> Result<(), DefinitionError> {
    walk(top, &mut Vec::new())
}

/// The names each state of `set` assigns, with the state and field that assign them.
fn assigned(set: &StateSet) -> Vec<(String, &str, String)> {
    let mut out = Vec::new();
    for st in &set.states {
        if let Some(a) = &st.assign {
            for n in a.names() {
                out.push((n.to_owned(), &*st.name, "Assign".to_owned()));
            }
        }
        for (i, c) in st.catch.iter().enumerate() {
            if let Some(a) = &c.assign {
                for n in a.names() {
                    out.push((n.to_owned(), &*st.name, format!("Catch[{i}].Assign")));
                }
            }
        }
        if let Kind::Choice { choices, .. } = &st.kind {
            for (i, c) in choices.iter().enumerate() {
                if let Some(a) = &c.assign {
                    for n in a.names() {
                        out.push((n.to_owned(), &*st.name, format!("Choices[{i}].Assign")));
                    }
                }
            }
        }
    }
    out
}

fn walk(set: &StateSet, outer: &mut Vec<String>) -> Result<(), DefinitionError> {
    let mine = assigned(set);
    for (name, state, field) in &mine {
        if outer.contains(name) {
            return Err(DefinitionError::new(
                Some(state),
                field,
                format!(
                    "the variable '{name}' belongs to an enclosing scope: a state inside a \
                     Parallel branch or Map iteration may read it but not assign it (use \
                     another name, or return the value through the branch's output)"
                ),
            ));
        }
    }
    let depth = outer.len();
    for st in &set.states {
        if !matches!(st.kind, Kind::Parallel { .. } | Kind::Map { .. }) {
            continue;
        }
        // A Parallel or Map state's own Catch assigns after its branches have ended, and
        // AWS lets a branch assign the same name.
        outer.extend(
            mine.iter()
                .filter(|(_, state, field)| !(*state == &*st.name && field.starts_with("Catch[")))
                .map(|(n, _, _)| n.clone()),
        );
        match &st.kind {
            Kind::Parallel { branches } => {
                for b in branches {
                    walk(b, outer)?;
                }
            }
            // A distributed Map's children are executions of their own, with no outer scope.
            Kind::Map {
                processor,
                distributed: Some(_),
                ..
            } => walk(processor, &mut Vec::new())?,
            Kind::Map { processor, .. } => walk(processor, outer)?,
            _ => {}
        }
        outer.truncate(depth);
    }
    Ok(())
}
