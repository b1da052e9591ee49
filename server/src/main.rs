//! licensekit-server: the self-hostable vendor license server (DESIGN §7). See README.md.

#![forbid(unsafe_code)]

use clap::Parser;
use licensekit_server::cli;

fn main() -> std::process::ExitCode {
    match cli::run(cli::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("licensekit-server: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
