/// A required environment variable is missing. The message names the
/// variable and who sets it, so a misconfigured deployment is obvious.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is not set; the CDK stack sets it on the function (see cdk/lib/jobs-functions.ts)")]
pub struct MissingVar(pub &'static str);

pub fn required_var(name: &'static str) -> Result<String, MissingVar> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or(MissingVar(name))
}
