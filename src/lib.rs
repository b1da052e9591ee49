//! licensekit: embeddable software licensing with a C ABI.
//!
//! The safe Rust core lives in the modules below; [`ffi`] is a thin C layer over it that only
//! checks arguments, converts and guards against panics. See `README.md` for the C
//! conventions.

// The client and its C ABI need the client-only dependencies; the server builds without them.
#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod clock;
#[cfg(feature = "client")]
mod config;
mod detail;
#[cfg(feature = "client")]
pub mod ffi;
#[cfg(feature = "client")]
pub mod lan;
#[cfg(feature = "client")]
pub mod license;
pub mod log;
pub mod machine;
#[cfg(feature = "client")]
mod online;
pub mod protocol;
// The Windows registry, for the computer ID and the system proxy.
#[cfg(windows)]
mod registry;
mod status;
pub mod store;

#[cfg(feature = "client")]
pub use client::{CLOCK_TOLERANCE_SECS, Client, StatusCallback};
#[cfg(feature = "client")]
pub use config::Config;
pub use detail::last_error_detail;
/// The HTTP framing of the server's answers, for the fuzz target `http_answers`.
#[cfg(feature = "client")]
#[doc(hidden)]
pub use online::read_answer_from;
pub use status::Status;
