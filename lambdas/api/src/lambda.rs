//! The Router as the `api` Lambda serves it, behind API Gateway.
//!
//! With `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` set (CDK sets it on the
//! function, and the binary will not start without it), `lambda_http` hands
//! over the path as the resource saw it, with no stage (`/jobs`), so the
//! routes match as they are. What is left here is the `Location` header:
//! the client that came through the stage URL (`/prod/jobs`) must be sent
//! back under the stage, one that came through a custom domain must not.

use axum::extract::Request;
use axum::Router;
use jobs_domain::service::JobService;
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;

use crate::routes::{router, BasePath};

/// The variable that makes `lambda_http` leave the stage out of the path.
pub const IGNORE_STAGE_IN_PATH: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";

/// [`router`] with the client's stage prefix, when its URL had one, as the
/// [`BasePath`].
pub fn lambda_router(service: JobService) -> Router {
    router(service).layer(axum::middleware::map_request(base_path))
}

async fn base_path(mut request: Request) -> Request {
    let (stage, client_path) = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => {
            (context.stage.clone(), context.path.clone())
        }
        _ => (None, None),
    };
    let Some(stage) = stage.filter(|s| !s.is_empty() && s != "$default") else {
        return request;
    };
    let prefix = format!("/{stage}");
    // The context's path is the one the client used: `/prod/jobs` through
    // the stage URL, `/jobs` through a custom domain mapped to the stage.
    if client_path.is_some_and(|p| p.starts_with(&format!("{prefix}/"))) {
        request.extensions_mut().insert(BasePath(prefix));
    }
    request
}
