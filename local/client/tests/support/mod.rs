// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod sigv4;
pub mod stub;
