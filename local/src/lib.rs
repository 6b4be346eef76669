//! The jobs system on one machine, with no AWS account: the same API router
//! behind a SigV4-verifying gateway, the same workflow definition run by an
//! embedded interpreter, jobs and executions in SQLite, and a local
//! failed-jobs bus with its archive and replay.

pub mod app;
pub mod bus;
pub mod config;
pub mod console;
pub mod faults;
pub mod gateway;
pub mod local_api;
pub mod runtime;
pub mod server;
pub mod store;

pub use config::{Config, StartArgs};
pub use server::Stack;
