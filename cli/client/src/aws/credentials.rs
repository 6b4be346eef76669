//! Credentials for signing API calls: the caller's own, from the standard
//! AWS chain, or a role assumed with them (`--assume-role`).

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;

use super::errors::{self, AwsError, AwsErrorKind};
use crate::signing::{CredentialSource, Credentials};

/// The session name of an assumed role, as CloudTrail shows it.
pub(super) const SESSION_NAME: &str = "jobs-cli";

/// The caller's credentials, from whichever source of the chain has them.
pub(super) async fn resolve(config: &SdkConfig) -> Result<Credentials, AwsError> {
    let provider = config.credentials_provider().ok_or_else(|| {
        errors::from_credentials(
            &aws_credential_types::provider::error::CredentialsError::not_loaded_no_source(),
        )
    })?;
    let found = provider
        .provide_credentials()
        .await
        .map_err(|e| errors::from_credentials(&e))?;
    Ok(Credentials {
        access_key_id: found.access_key_id().to_owned(),
        secret_access_key: found.secret_access_key().to_owned(),
        session_token: found.session_token().map(str::to_owned),
        source: CredentialSource::AwsChain(chain_description(|name| std::env::var(name).ok())),
    })
}

/// Which part of the chain the settings point at, for messages.
pub(super) fn chain_description(lookup: impl Fn(&str) -> Option<String>) -> String {
    let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
    if set("AWS_ACCESS_KEY_ID").is_some() {
        "environment variables".to_owned()
    } else if let Some(profile) = set("AWS_PROFILE") {
        format!("profile {profile}")
    } else {
        "default profile or role".to_owned()
    }
}

/// Assumes `role_arn` with the clients' own credentials.
pub(super) async fn assume_role(
    sts: &aws_sdk_sts::Client,
    role_arn: &str,
) -> Result<Credentials, AwsError> {
    let assumed = sts
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(SESSION_NAME)
        .send()
        .await
        .map_err(|e| {
            let mut error = errors::from_sdk("sts:AssumeRole", role_arn, e);
            if error.kind == AwsErrorKind::AccessDenied {
                error.hint = Some(format!(
                    "your AWS identity needs sts:AssumeRole on {role_arn}, and the role's trust \
                     policy must let it in (the stack's JobsAPIInvokeRole trusts the account: \
                     any principal of the account allowed sts:AssumeRole on it can take it)"
                ));
            }
            error
        })?;
    let keys = assumed.credentials().ok_or_else(|| {
        AwsError::new(
            AwsErrorKind::Other,
            format!("sts:AssumeRole on {role_arn} returned no credentials"),
            None,
        )
    })?;
    Ok(Credentials {
        access_key_id: keys.access_key_id().to_owned(),
        secret_access_key: keys.secret_access_key().to_owned(),
        session_token: Some(keys.session_token().to_owned()),
        source: CredentialSource::AssumedRole(role_arn.to_owned()),
    })
}
