//! The jobs system on one machine, with no AWS account: the same API router
//! behind a SigV4-verifying gateway, the same workflow definition run by an
//! embedded interpreter, jobs and executions in SQLite, and a local
//! failed-jobs bus with its archive and replay.

pub mod config;
pub mod faults;
pub mod gateway;
pub mod store;
