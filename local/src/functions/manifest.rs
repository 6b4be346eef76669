//! The manifest of Lambda functions (`lambdas/functions.json`, whose JSON Schema beside it
//! CDK and the editors read): what the local stack needs of it, checked as CDK checks it.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

/// The account id every local ARN carries.
pub(crate) const ACCOUNT: &str = "000000000000";

/// The manifest CDK deploys from, as this binary was built with it.
const DEPLOYED: &str = include_str!("../../../lambdas/functions.json");

/// One declared function; the settings only CDK reads are not kept here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Declared {
    pub key: String,
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub path: String,
    pub bin: String,
    pub feature: String,
    /// The `${...}` of the workflow file that is this function's ARN.
    pub substitution: Option<String>,
    /// The function name the local stack runs it under.
    pub local_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    functions: Vec<Declared>,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub functions: Vec<Declared>,
    /// Where it was read from, for errors.
    pub source: String,
}

impl Manifest {
    /// `lambdas/functions.json` as built in.
    pub fn deployed() -> Self {
        Self::parse(DEPLOYED, "lambdas/functions.json").expect("the built-in manifest is valid")
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading the functions manifest {}: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, source: &str) -> Result<Self, String> {
        let file: File = serde_json::from_str(text)
            .map_err(|e| format!("{source}: not a functions manifest: {e}"))?;
        let m = Self {
            functions: file.functions,
            source: source.to_owned(),
        };
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<(), String> {
        let mut seen: HashMap<&str, HashSet<&str>> = HashMap::new();
        for d in &self.functions {
            if d.substitution.is_some() != d.local_name.is_some() {
                return Err(format!(
                    "{}: function \"{}\" must have both substitution and localName (a function the \
                     workflow invokes) or neither",
                    self.source, d.key
                ));
            }
            let fields = [
                ("key", Some(&d.key)),
                ("bin", Some(&d.bin)),
                ("substitution", d.substitution.as_ref()),
                ("localName", d.local_name.as_ref()),
            ];
            for (field, value) in fields {
                let Some(value) = value else { continue };
                if !seen.entry(field).or_default().insert(value) {
                    return Err(format!(
                        "{}: two functions have the {field} \"{value}\"; each must be unique",
                        self.source
                    ));
                }
            }
        }
        Ok(())
    }

    /// The functions the workflow invokes (those with a substitution and a local name).
    pub fn workflow_functions(&self) -> impl Iterator<Item = &Declared> {
        self.functions.iter().filter(|d| d.local_name.is_some())
    }

    /// Each workflow function's `${...}` with its local ARN in `region`.
    pub fn substitutions(&self, region: &str) -> HashMap<String, String> {
        self.workflow_functions()
            .filter_map(|d| {
                let name = d.local_name.as_ref()?;
                Some((
                    d.substitution.clone()?,
                    format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deployed_manifest_names_the_sample_workflow_functions() {
        let m = Manifest::deployed();
        let subs = m.substitutions("eu-west-1");
        assert_eq!(
            subs["ProcessorFunctionArn"],
            "arn:aws:lambda:eu-west-1:000000000000:function:jobs-processor"
        );
        assert!(subs.contains_key("ErrorHandlerFunctionArn"));
        // The API and the sweeper are Lambdas the workflow does not invoke.
        assert_eq!(m.workflow_functions().count(), 2);
    }

    #[test]
    fn a_half_declared_or_duplicate_function_is_refused_with_its_name() {
        let entry = |key: &str, bin: &str, local: Option<&str>| {
            serde_json::json!({"key": key, "crate": "c", "path": "p", "bin": bin,
                "feature": "lambda", "localName": local, "memoryMb": 128, "timeoutSeconds": 3})
        };
        let half = serde_json::json!({"functions": [entry("a", "a", Some("x"))]});
        let e = Manifest::parse(&half.to_string(), "m.json").unwrap_err();
        assert!(e.contains("\"a\"") && e.contains("substitution"), "{e}");
        let dup =
            serde_json::json!({"functions": [entry("a", "same", None), entry("b", "same", None)]});
        let e = Manifest::parse(&dup.to_string(), "m.json").unwrap_err();
        assert!(e.contains("bin \"same\""), "{e}");
        let e = Manifest::parse("[]", "m.json").unwrap_err();
        assert!(e.starts_with("m.json: not a functions manifest"), "{e}");
    }
}

#[cfg(test)]
mod repo_tests;
