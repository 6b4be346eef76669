//! `faults`: show or change the local stack's fault injection. It exists only
//! in the local stack; a deployed one is refused with the reason.

use std::process::ExitCode;

use http::Method;
use jobs_wire::{local, FaultSettings, FaultUpdate};

use crate::api::json_body;
use crate::errors::local_only;
use crate::output::Output;
use crate::render;
use crate::target::Target;

pub(super) async fn run(
    target: &Target,
    update: FaultUpdate,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    if !target.is_local() {
        return Err(local_only("faults", target.api.endpoint()).into());
    }
    // The stack takes any switch alone; the others keep their value.
    let response = if update.is_empty() {
        target
            .api
            .call(Method::GET, local::FAULTS, &[], None, &[])
            .await?
    } else {
        target
            .api
            .call(Method::PUT, local::FAULTS, &[], json_body(&update), &[])
            .await?
    };
    let faults: FaultSettings = response.json()?;
    writeln!(output.out, "{}", render::pretty(&faults))?;
    Ok(ExitCode::SUCCESS)
}
