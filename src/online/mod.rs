//! Talking to the license server: the HTTP transport and the background refresher.

mod refresher;
mod transport;

pub(crate) use refresher::Refresher;
pub(crate) use transport::Transport;
