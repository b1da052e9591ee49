//! licensekit: embeddable software licensing with a C ABI.
//!
//! The safe Rust core lives in the modules below; `ffi` is a thin C layer over it. See
//! `README.md` for the C conventions and DESIGN.md in the project's shared folder for the
//! architecture.

pub mod protocol;
mod status;

pub use status::Status;
