//! `licensekit-lan`: the LAN license daemon a site's administrator runs on one machine of its
//! network. It activates the site's network license (online, or by request and certificate
//! files on an air-gapped network) and serves its seats to the site's workstations.

mod http;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use licensekit::lan::Daemon;
use licensekit::protocol::network::{DaemonStatus, PATH_STATUS};
use licensekit::{Config, Status};

#[derive(Debug, Parser)]
#[command(name = "licensekit-lan", version, about = "licensekit's LAN license daemon")]
struct Cli {
    /// The product whose network seats this daemon serves.
    #[arg(long, env = "LICENSEKIT_LAN_PRODUCT")]
    product_id: String,
    /// A vendor public key to trust (64 hex characters); repeat during a key rotation.
    #[arg(long = "public-key", env = "LICENSEKIT_LAN_PUBLIC_KEY", value_delimiter = ',', required = true)]
    public_keys: Vec<String>,
    /// Where the daemon keeps its license, key and seat table.
    #[arg(long, env = "LICENSEKIT_LAN_DATA_DIR")]
    data_dir: PathBuf,
    /// The vendor's license server (omit on an air-gapped site).
    #[arg(long, env = "LICENSEKIT_LAN_VENDOR_SERVER")]
    vendor_server: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Activates the site's network license code online.
    Activate { license_code: String },
    /// Writes an offline activation request for the code, to carry to the vendor.
    Request {
        license_code: String,
        /// The request file (standard output when omitted).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Imports the vendor's master license certificate answering the request.
    Import { certificate: PathBuf },
    /// Gives the site's master license back to the vendor (online).
    Deactivate,
    /// Serves network seats on ADDR (host:port).
    Serve {
        #[arg(long)]
        listen: SocketAddr,
    },
    /// Shows the license and the seats in use, from the daemon serving on ADDR or, without
    /// one, from the data directory.
    Status {
        #[arg(long)]
        daemon: Option<SocketAddr>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("licensekit-lan: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A failed step, with the library's detail when it has one.
fn failed(what: &str, status: Status) -> String {
    let detail = licensekit::last_error_detail().map(|d| format!(": {d}")).unwrap_or_default();
    format!("{what}: {} ({}){detail}", status.message().to_string_lossy(), status.name().to_string_lossy())
}

fn open(cli: &Cli) -> Result<Daemon, String> {
    let mut config = Config::new(&cli.product_id).map_err(|s| failed("product ID", s))?;
    for key in &cli.public_keys {
        config.add_public_key(key).map_err(|s| failed("public key", s))?;
    }
    config.set_store_dir(&cli.data_dir).map_err(|s| failed("data directory", s))?;
    if let Some(url) = &cli.vendor_server {
        config.set_server_url(url).map_err(|s| failed("vendor server", s))?;
    }
    Daemon::open(config).map_err(|s| failed("opening the daemon", s))
}

fn run(cli: Cli) -> Result<(), String> {
    if let Command::Status { daemon: Some(address) } = &cli.command {
        return print_status(&fetch_status(*address)?);
    }
    let daemon = open(&cli)?;
    let client = daemon.client();
    match cli.command {
        Command::Activate { license_code } => {
            client.activate(&license_code).map_err(|s| failed("activation", s))?;
            print_status(&daemon.status())
        }
        Command::Request { license_code, out } => {
            let text = client.offline_activation_request(&license_code).map_err(|s| failed("request", s))?;
            match out {
                Some(path) => std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display())),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
        Command::Import { certificate } => {
            let text = std::fs::read_to_string(&certificate)
                .map_err(|e| format!("{}: {e}", certificate.display()))?;
            client.import_certificate(&text).map_err(|s| failed("import", s))?;
            print_status(&daemon.status())
        }
        Command::Deactivate => client.deactivate().map_err(|s| failed("deactivation", s)),
        Command::Serve { listen } => serve(daemon, listen),
        Command::Status { daemon: None } => print_status(&daemon.status()),
        Command::Status { daemon: Some(_) } => unreachable!("answered above"),
    }
}

fn serve(daemon: Daemon, listen: SocketAddr) -> Result<(), String> {
    // Seat operations take turns on one table and one file: a few blocking threads serve
    // them as fast as many would, in far less memory.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let status = daemon.status();
        println!(
            "licensekit-lan: serving {} network seats of product {} on {address} (license {})",
            status.seats, status.product_id, status.status
        );
        let app = http::router(Arc::new(daemon));
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| format!("serving: {e}"))
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// `GET /lan/v1/status` from a running daemon (one short HTTP/1.1 exchange).
fn fetch_status(address: SocketAddr) -> Result<DaemonStatus, String> {
    let fail = |e: std::io::Error| format!("{address}: {e}");
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).map_err(fail)?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(fail)?;
    write!(stream, "GET {PATH_STATUS} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
        .map_err(fail)?;
    let mut answer = Vec::new();
    stream.take(1 << 24).read_to_end(&mut answer).map_err(fail)?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("{address}: not an HTTP answer"))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!("{address}: {}", head.lines().next().unwrap_or_default()));
    }
    serde_json::from_str(body).map_err(|e| format!("{address}: not a daemon status: {e}"))
}

/// The status as `lmstat` shows it: the license, then one line per seat.
fn print_status(status: &DaemonStatus) -> Result<(), String> {
    let date = |t: i64| match chrono::DateTime::from_timestamp(t, 0) {
        Some(time) => time.format("%Y-%m-%d %H:%M:%SZ").to_string(),
        None => "never".to_owned(),
    };
    println!("product {}  license {}  status {}", status.product_id, status.license_code, status.status);
    println!(
        "seats: {} of {} in use; heartbeat every {} s; serves offline until {}",
        status.in_use.len(),
        status.seats,
        status.heartbeat_secs,
        date(status.grace_end)
    );
    for seat in &status.in_use {
        let held = if seat.borrowed { "borrowed until" } else { "held until" };
        println!(
            "  {}@{} ({})  since {}  {held} {}  seat {}",
            if seat.user.is_empty() { "?" } else { &seat.user },
            if seat.hostname.is_empty() { "?" } else { &seat.hostname },
            seat.computer_id,
            date(seat.since),
            date(seat.expires),
            seat.seat_id
        );
    }
    Ok(())
}
