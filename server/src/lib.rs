//! licensekit-server (DESIGN §7): the vendor Web API of seed 003 and the client protocol, on
//! SQLite. The binary is [`cli`]; [`embedded`] runs the same server inside another program
//! (the quickstart, an application's own tests). See README.md.

#![forbid(unsafe_code)]

mod api;
mod auth;
pub mod cli;
mod client_api;
mod clock;
mod connections;
mod datadir;
mod datetime;
pub mod embedded;
mod error;
mod json;
mod licensing_cli;
mod offline;
mod params;
mod passive;
mod random;
mod server;
mod store;
