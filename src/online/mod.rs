//! Talking to the license server: the HTTP transport and the background refresher.

mod refresher;
mod system_proxy;
mod transport;
mod trust;

pub(crate) use refresher::{Refresher, Signal};
pub(crate) use transport::Transport;
