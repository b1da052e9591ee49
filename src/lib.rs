//! licensekit: embeddable software licensing with a C ABI.
//!
//! The safe Rust core lives in the modules below; [`ffi`] is a thin C layer over it that only
//! checks arguments, converts and guards against panics. See `README.md` for the C
//! conventions.

mod client;
mod config;
pub mod ffi;
pub mod machine;
pub mod protocol;
mod status;
pub mod store;

pub use client::{CLOCK_TOLERANCE_SECS, Client};
pub use config::Config;
pub use status::Status;
