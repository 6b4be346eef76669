//! The jobs HTTP API as one [`axum::Router`]: `POST /jobs` and
//! `GET /jobs/{jobId}`. On AWS, `lambda_http` serves it behind API Gateway;
//! locally, the local gateway serves the very same Router.
//!
//! Layout: [`routes`](routes()) and [`router`] with their handlers live in
//! `routes.rs`; every answer other than success is an `ApiError`
//! (`error.rs`, axum's `IntoResponse` pattern), whose body
//! [`error_response`] builds for the API and for the local gateway alike;
//! `lambda.rs` (feature `lambda`) adapts the Router to API Gateway's
//! events and keeps the stage for `Location` as a `BasePath`.

#![warn(unreachable_pub)]

mod error;
#[cfg(feature = "lambda")]
mod lambda;
mod routes;

pub use error::error_response;
#[cfg(feature = "lambda")]
pub use lambda::{lambda_router, IGNORE_STAGE_IN_PATH};
pub use routes::{router, routes};
