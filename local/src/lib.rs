//! The jobs system on one machine, with no AWS account: the same API router
//! behind a SigV4-verifying gateway, the same workflow definition run by an
//! embedded interpreter, jobs and executions in SQLite, and a local
//! failed-jobs bus with its archive and replay.
//!
//! Layout: [`server`](Stack) starts and stops it all from a [`Config`];
//! `app` joins the routers: the API's routes behind [`gateway`] (SigV4 and
//! the request model, as API Gateway does), `local_api` (the `/local`
//! endpoints) and `console` (the browser console). [`runtime`] runs the
//! workflow with the embedded interpreter and the Lambda handlers as
//! tasks, and [`functions`] the declared workflow functions; [`bus`] is the failed-jobs bus with its archive and replays;
//! [`store`] keeps jobs, executions and the archive in SQLite; `faults`
//! holds the switches that make a task's store writes fail.

#![warn(unreachable_pub)]

mod app;
pub mod bus;
pub mod config;
mod console;
mod faults;
pub mod functions;
pub mod gateway;
mod local_api;
pub mod runtime;
mod server;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use config::{Config, StartArgs};
pub use server::Stack;
