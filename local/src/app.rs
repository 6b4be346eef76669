//! The stack's one Router: every route is declared once, in the Router
//! that serves it (the API's in `jobs_api`, the local endpoints in
//! [`local_api`], the console's in [`console`](crate::console)), and each
//! group is merged here behind its own layer: SigV4 for the API and the
//! local endpoints, the console's token cookie for the console.

use std::sync::Arc;

use axum::Router;
use jobs_domain::service::JobService;

use crate::gateway::{self, Gateway};
use crate::local_api::{self, LocalState};

pub(crate) fn router(
    gateway: &Arc<Gateway>,
    service: JobService,
    local: LocalState,
    console: Router,
) -> Router {
    Router::new()
        .merge(gateway.protect(jobs_api::routes(service)))
        .merge(gateway.protect(local_api::router(local)))
        .merge(console)
        .fallback(gateway::missing_token)
        .layer(axum::middleware::from_fn(gateway::request_log))
}
