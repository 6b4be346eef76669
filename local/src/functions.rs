//! The Lambda functions the workflow invokes, run in-process. They are declared in a
//! manifest (`lambdas/functions.json`, the one CDK deploys from, or `--functions FILE`) and
//! built into this binary through the generated registry (the `jobs-functions` crate,
//! which `jobs generate` writes from the manifests). Adding a Lambda step is a crate, a
//! manifest entry and the state: nothing here names a function.
//!
//! Layout: `manifest` reads and checks a manifest; this file builds the functions a manifest
//! declares for the stack.

mod manifest;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jobs_domain::function::{FunctionEnv, WorkflowFunction};

pub(crate) use manifest::ACCOUNT;
pub use manifest::{Declared, Manifest};

/// The functions a manifest declares for the workflow, by the name they run under.
#[derive(Clone, Default)]
pub struct Functions {
    by_name: BTreeMap<String, Arc<dyn WorkflowFunction>>,
    substitutions: HashMap<String, String>,
}

impl Functions {
    /// Whether this binary holds every function `manifest` declares for the workflow; the
    /// error names the first it lacks and what to do.
    pub fn check(manifest: &Manifest) -> Result<(), String> {
        match manifest
            .workflow_functions()
            .find(|d| !jobs_functions::BUILT_IN.contains(&d.crate_name.as_str()))
        {
            Some(d) => Err(not_built_in(manifest, d)),
            None => Ok(()),
        }
    }

    /// Builds each function `manifest` declares for the workflow, with the environment
    /// `env_for` gives it; fails naming a declared function this binary does not hold.
    pub fn build(
        manifest: &Manifest,
        region: &str,
        env_for: impl Fn(&Declared) -> FunctionEnv,
    ) -> Result<Self, String> {
        let mut by_name = BTreeMap::new();
        for d in manifest.workflow_functions() {
            let name = d.local_name.clone().unwrap_or_default();
            let f = jobs_functions::function(&d.crate_name, &env_for(d))
                .ok_or_else(|| not_built_in(manifest, d))?;
            by_name.insert(name, f);
        }
        Ok(Self {
            by_name,
            substitutions: manifest.substitutions(region),
        })
    }

    /// The function that runs under `name` (a function name, as `lambda:invoke` takes it).
    pub fn get(&self, name: &str) -> Option<&Arc<dyn WorkflowFunction>> {
        self.by_name.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The workflow file's `${...}` for these functions: each one's local ARN.
    pub fn substitutions(&self) -> &HashMap<String, String> {
        &self.substitutions
    }
}

fn not_built_in(manifest: &Manifest, d: &Declared) -> String {
    format!(
        "{}: the function \"{}\" (crate {}) is not built into this binary: declare it in \
         lambdas/functions.json (or examples/functions.json for one that is never deployed), \
         then run `cargo run -p jobs -- generate` and build again (built in: {})",
        manifest.source,
        d.key,
        d.crate_name,
        jobs_functions::BUILT_IN.join(", ")
    )
}
