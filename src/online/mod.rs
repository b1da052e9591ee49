//! Talking to the license server: the HTTP transport and the background refresher.

pub(crate) mod http;
mod refresher;
// The registry proxy parser is pure and tested on every OS; only Windows reads the registry.
#[cfg_attr(not(windows), allow(dead_code))]
mod system_proxy;
mod transport;
mod trust;

pub use http::read_answer_from;
pub(crate) use refresher::{Refresher, Signal};
pub(crate) use transport::Transport;
