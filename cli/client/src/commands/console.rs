//! `jobs local console`: the URL that opens the local stack's console, and
//! the link to one job's page that `submit` and `history` print. A deployed
//! stack has no such console: its consoles are AWS's.

use std::process::ExitCode;

use http::Method;
use jobs_domain::JobId;
use jobs_wire::{local, ConsoleLink};

use crate::args::ClientArgs;
use crate::errors::local_only;
use crate::target::Target;

/// The job's page in the local stack's console, opened with its token;
/// `None` for a deployed stack, or a local one without a console.
pub(crate) async fn job_link(target: &Target, id: &JobId) -> Option<String> {
    if !target.is_local() {
        return None;
    }
    let response = target
        .api
        .call(Method::GET, local::CONSOLE, &[], None, &[])
        .await
        .ok()?;
    let link: ConsoleLink = response.json().ok()?;
    Some(link.job(&id.to_string()))
}

/// The URL that opens the local stack's console (with the token it made at
/// start), for whoever holds its credentials.
pub async fn url(target: &Target) -> anyhow::Result<String> {
    if !target.is_local() {
        return Err(local_only("local console", target.api.endpoint()).into());
    }
    let response = target
        .api
        .call(Method::GET, local::CONSOLE, &[], None, &[])
        .await?;
    let link: ConsoleLink = response.json()?;
    Ok(link.url)
}

/// `jobs local console`: prints the URL. Exit code 0, or 2 with the error on
/// stderr.
pub async fn print_url(args: &ClientArgs) -> ExitCode {
    let url = async {
        let target = Target::connect(args).await?;
        url(&target).await
    };
    match url.await {
        Ok(url) => {
            println!("{url}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
