//! What a parsed JSONata expression reads, found once at load: the variables it names, the
//! functions it calls, which fields of `$states` it uses, and references to the input
//! document at its top level (which Step Functions does not provide, so it refuses them).

use jsonata_core::ast::{AstNode, PathStep, Stage};
use std::collections::BTreeSet;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reads {
    /// Variables named anywhere (`$x`), without the `$`; `states` included.
    pub vars: BTreeSet<String>,
    /// Functions called by name (`$f(...)`), without the `$`.
    pub functions: BTreeSet<String>,
    /// `$states.<field>` fields read; `*` when `$states` is used whole.
    pub states: BTreeSet<String>,
    /// What the expression reads from the (absent) input document at its top level: a field
    /// name, `$`, `$$`, `*` or `**`.
    pub top_level: Vec<String>,
}

impl Reads {
    pub fn of(ast: &AstNode) -> Reads {
        let mut r = Reads::default();
        r.walk(ast, true);
        r
    }

    /// Whether `$states.<field>` may be read (directly, or through `$states` as a whole).
    pub fn reads_states(&self, field: &str) -> bool {
        self.states.contains(field) || self.states.contains("*")
    }

    fn top(&mut self, what: &str, top: bool) {
        if top && !self.top_level.iter().any(|t| t == what) {
            self.top_level.push(what.to_owned());
        }
    }

    fn walk(&mut self, n: &AstNode, top: bool) {
        match n {
            AstNode::Name(name) => self.top(name, top),
            AstNode::Variable(v) if v.is_empty() => self.top("$", top),
            AstNode::Variable(v) => {
                self.vars.insert(v.clone());
                if v == "states" {
                    self.states.insert("*".into());
                }
            }
            // `$$` always names the whole input document.
            AstNode::ParentVariable(_) => self.top("$$", true),
            AstNode::Wildcard => self.top("*", top),
            AstNode::Descendant => self.top("**", top),
            AstNode::Path { steps } => self.path(steps, top),
            AstNode::Binary { lhs, rhs, .. } => {
                self.walk(lhs, top);
                self.walk(rhs, top);
            }
            AstNode::Unary { operand, .. } => self.walk(operand, top),
            AstNode::Function { name, args, .. } => {
                self.functions.insert(name.clone());
                args.iter().for_each(|a| self.walk(a, top));
            }
            AstNode::Call { procedure, args } => {
                self.walk(procedure, top);
                args.iter().for_each(|a| self.walk(a, top));
            }
            // A lambda's body sees whatever context it is applied to; at the top level that
            // is the absent document, so its names count as top-level ones.
            AstNode::Lambda { body, .. } => self.walk(body, top),
            AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
                items.iter().for_each(|i| self.walk(i, top))
            }
            AstNode::Object(pairs) => pairs.iter().for_each(|(k, v)| {
                self.walk(k, top);
                self.walk(v, top);
            }),
            AstNode::ObjectTransform { input, pattern } => {
                self.walk(input, top);
                pattern.iter().for_each(|(k, v)| {
                    self.walk(k, false);
                    self.walk(v, false);
                });
            }
            AstNode::Conditional {
                condition,
                then_branch,
                else_branch,
            } => {
                self.walk(condition, top);
                self.walk(then_branch, top);
                if let Some(e) = else_branch {
                    self.walk(e, top);
                }
            }
            AstNode::FunctionApplication(inner) => self.walk(inner, top),
            AstNode::Sort { input, terms } => {
                self.walk(input, top);
                terms.iter().for_each(|(t, _)| self.walk(t, false));
            }
            // `|location|update|` works on the value it is applied to, never the document.
            AstNode::Transform {
                location,
                update,
                delete,
            } => {
                self.walk(location, false);
                self.walk(update, false);
                if let Some(d) = delete {
                    self.walk(d, false);
                }
            }
            AstNode::String(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Undefined
            | AstNode::Placeholder
            | AstNode::Regex { .. }
            | AstNode::Parent(_) => {}
        }
    }

    /// The first step of a path reads the current context; later steps and every predicate
    /// read the values the path has reached.
    fn path(&mut self, steps: &[PathStep], top: bool) {
        for (i, step) in steps.iter().enumerate() {
            if i == 0 {
                if let AstNode::Variable(v) = &step.node {
                    if v == "states" {
                        match steps.get(1).map(|s| &s.node) {
                            Some(AstNode::Name(field)) => {
                                self.states.insert(field.clone());
                            }
                            _ => {
                                self.states.insert("*".into());
                            }
                        }
                        self.vars.insert(v.clone());
                    } else {
                        self.walk(&step.node, top);
                    }
                } else {
                    self.walk(&step.node, top);
                }
            } else {
                self.walk(&step.node, false);
            }
            for stage in &step.stages {
                if let Stage::Filter(f) = stage {
                    self.walk(f, false);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(e: &str) -> Reads {
        Reads::of(&jsonata_core::parser::parse(e).unwrap())
    }

    #[test]
    fn top_level_references_are_found_and_nested_ones_are_not() {
        assert_eq!(reads("phone").top_level, ["phone"]);
        assert_eq!(reads("$.total").top_level, ["$"]);
        assert_eq!(reads("$$").top_level, ["$$"]);
        assert_eq!(reads("{'a': b}").top_level, ["b"]);
        assert!(reads("$order[$.total > 10]").top_level.is_empty());
        assert!(reads("$order[total > 10].id").top_level.is_empty());
        assert!(reads("$states.input.a.b").top_level.is_empty());
        assert!(reads("$x ~> |$|{'a': b}|").top_level.is_empty());
    }

    #[test]
    fn states_fields_variables_and_functions() {
        let r = reads("$states.input.a & $lookup($states.context, 'x') & $merge([$v])");
        assert!(r.reads_states("input") && r.reads_states("context"));
        assert!(!r.reads_states("result"));
        assert!(r.vars.contains("v") && r.vars.contains("states"));
        assert!(r.functions.contains("merge") && r.functions.contains("lookup"));
        assert!(reads("$keys($states)").reads_states("errorOutput"));
    }
}
