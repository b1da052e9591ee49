//! licensekit-server: the self-hostable vendor license server (DESIGN §7). See README.md.

#![forbid(unsafe_code)]

mod api;
mod auth;
mod cli;
mod client_api;
mod clock;
mod datadir;
mod datetime;
mod error;
mod json;
mod params;
mod random;
mod server;
mod store;

use clap::Parser;

fn main() -> std::process::ExitCode {
    match cli::run(cli::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("licensekit-server: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
