//! The command line: `init`, `serve`, `backup`, `restore`, `keys`, `public-key`, `info`,
//! `audit`, `openapi`, and for air-gapped vendors `offline activate|deactivate` and `passive
//! create` (see [`crate::licensing_cli`]).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::audit;
use crate::backup;
use crate::client_api::ClientProtocol;
use crate::clock::Clock;
use crate::connections;
use crate::datadir;
use crate::datetime;
use crate::keys;
use crate::licensing_cli;
use crate::server::{self, AppState, Limits};
use crate::store::Store;
use crate::store::leasing::NewPassive;
use crate::store::model::{KeyKind, Page, UdfSetting};
use crate::telemetry::{self, LogFormat};
use crate::tls::{Certificates, TlsFiles};

/// Where `licensekit-server` with no arguments keeps its data.
pub const DEFAULT_DATA_DIR: &str = "licensekit-data";
/// Where `serve` listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8700";

/// licensekit-server: the vendor license server (Web API of seed 003 on SQLite).
///
/// With no command it serves ./licensekit-data on 127.0.0.1:8700, initialising it first if
/// needed.
#[derive(Debug, Parser)]
#[command(version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database, the vendor signing key, a customer ID and one API key per kind.
    Init {
        #[arg(long)]
        data_dir: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Serve the Web API and the client protocol until SIGINT or SIGTERM.
    Serve {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value = DEFAULT_LISTEN)]
        listen: SocketAddr,
        /// Testing aid: one "hour" of every lease, VM lease, offline, trial and subscription
        /// period lasts this many seconds (a day is 24 of them). Never in production.
        #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u32).range(1..=3600))]
        hour_seconds: u32,
        /// Testing aid: shifts the clock leases are signed with by this many seconds
        /// (negative: back), to test clients against a server clock that is off. Never in
        /// production.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        clock_offset_secs: i64,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Copy the database and the signing key into one file (mode 0600), while the server
    /// serves the directory. The format is described in server/README.md.
    Backup {
        #[arg(long)]
        data_dir: PathBuf,
        /// The backup file to create (refused when it exists).
        #[arg(long)]
        to: PathBuf,
    },
    /// Fill a new data directory from a backup file.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// A directory that holds no data yet (created when missing).
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Manage Web API keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Print the OpenAPI 3 document of the Web API and the client protocol.
    Openapi,
    /// Print the vendor public key (hex) that applications embed.
    PublicKey {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Print the customer ID, the vendor public key and where the data lives.
    Info {
        #[arg(long)]
        data_dir: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the audit trail of vendor changes, newest first (one page).
    Audit {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=i64::from(i32::MAX)))]
        page: i64,
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        page_size: i64,
        /// Print one JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Air-gapped activation by files, against the data directory (no server needed).
    Offline {
        #[command(subcommand)]
        action: OfflineAction,
    },
    /// Passive licenses (bound to a client ID, never refreshed), against the data directory.
    Passive {
        #[command(subcommand)]
        action: PassiveAction,
    },
}

/// `serve`'s limits on what clients may hold (defaults: [`Limits::default`]).
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// Seconds a client has to send a whole request head, from its first byte.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout_secs: u64,
    /// Seconds a client has to send a whole request body, once it is being read (408 after).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout_secs: u64,
    /// Seconds a keep-alive connection may stay idle between requests.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86400))]
    idle_timeout_secs: u64,
    /// Open connections at most (lowered to fit the descriptor limit); at the cap the oldest
    /// idle connection, else the slowest client, makes room.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(8..=1_000_000))]
    max_connections: u64,
    /// Requests whose handlers run at once; more wait (after their body is read) for a slot.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    max_requests: u64,
}

/// `serve`'s logs and TLS.
#[derive(Debug, clap::Args)]
pub struct OpsArgs {
    /// Log filter, e.g. `info`, `warn`, `licensekit_server=debug` (default: RUST_LOG, else
    /// info). One line per request is logged at info.
    #[arg(long)]
    log_level: Option<String>,
    #[arg(long, value_enum, default_value_t = LogFormat::Plain)]
    log_format: LogFormat,
    /// Serve HTTPS with this PEM certificate chain (leaf first); reloaded on SIGHUP.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

impl Default for OpsArgs {
    fn default() -> OpsArgs {
        OpsArgs { log_level: None, log_format: LogFormat::Plain, tls_cert: None, tls_key: None }
    }
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let secs = Duration::from_secs;
        Limits {
            header_timeout: secs(self.header_timeout_secs),
            body_timeout: secs(self.body_timeout_secs),
            idle_timeout: secs(self.idle_timeout_secs),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            max_requests: usize::try_from(self.max_requests).unwrap_or(usize::MAX),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OfflineAction {
    /// Answer an activation request file with an activation certificate (printed, armoured),
    /// under the same rules as online activation.
    Activate {
        #[arg(long)]
        data_dir: PathBuf,
        /// The request file the air-gapped machine wrote (armoured or compact).
        #[arg(long)]
        request: PathBuf,
        /// Print one JSON object instead of the certificate.
        #[arg(long)]
        json: bool,
    },
    /// Apply a deactivation certificate file: the seat it gives back is freed (once).
    Deactivate {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        certificate: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PassiveAction {
    /// Create a passive license for a client ID (printed, armoured).
    Create {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        product: String,
        /// 10-255 printable ASCII characters: by default the machine's computer ID.
        #[arg(long)]
        client_id: String,
        /// The company the license is assigned to (0: none).
        #[arg(long, default_value_t = 0)]
        company_id: i64,
        /// The code profile whose settings apply (default: the product's).
        #[arg(long)]
        profile: Option<String>,
        /// A feature code to switch on (repeat for more).
        #[arg(long = "feature")]
        features: Vec<String>,
        /// A UDF value, NAME=VALUE (repeat for more).
        #[arg(long = "udf", value_parser = parse_udf)]
        udfs: Vec<(String, String)>,
        /// Print one JSON object instead of the license.
        #[arg(long)]
        json: bool,
    },
}

fn parse_udf(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(name, _)| !name.is_empty())
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| "expected NAME=VALUE".to_owned())
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key of a kind: read_only, read_write, offline or ds. The key is printed once.
    Create {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, value_parser = parse_kind)]
        kind: KeyKind,
    },
    /// List API keys (ID, kind, first characters, created, revoked), then the vendor signing
    /// keys (key ID, public key, current or retired).
    List {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Make a new vendor signing key current; the old one is retired but kept and listed.
    /// Restart the server to sign with the new key.
    Rotate {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Revoke a key by ID.
    Revoke {
        #[arg(long)]
        data_dir: PathBuf,
        id: i64,
    },
}

fn parse_kind(text: &str) -> Result<KeyKind, String> {
    KeyKind::from_name(text).ok_or_else(|| "expected read_only, read_write, offline or ds".to_owned())
}

fn print_init(done: &datadir::Initialised, json: bool) {
    if json {
        let mut keys = serde_json::Map::new();
        for (kind, key) in &done.api_keys {
            keys.insert(kind.name().to_owned(), key.clone().into());
        }
        let value = serde_json::json!({
            "customer_id": done.customer_id,
            "public_key": done.public_key,
            "api_keys": keys,
        });
        println!("{value}");
    } else {
        println!("customer ID: {}", done.customer_id);
        println!("public key:  {}", done.public_key);
        for (kind, key) in &done.api_keys {
            println!("API key ({:<10}): {key}", kind.name());
        }
        println!("Only hashes of the API keys are stored: keep them now.");
    }
}

/// Everything a server over the initialised `dir` shares, with leases signed on `clock`.
pub(crate) fn app_state(dir: &Path, clock: Clock, limits: Limits) -> Result<AppState, String> {
    let key = datadir::signing_key(dir)?;
    let store = datadir::open_store(dir)?;
    let customer_id = store.customer_id().map_err(|e| format!("{e:?}"))?;
    Ok(AppState::new(Arc::new(store), customer_id, ClientProtocol { key, clock }, limits))
}

fn serve(dir: &Path, listen: SocketAddr, clock: Clock, limits: Limits, ops: &OpsArgs) -> Result<(), String> {
    telemetry::init(ops.log_level.as_deref(), ops.log_format)?;
    // The process is the server's own: let it use every descriptor it may have (the
    // connection cap is sized below what this leaves).
    connections::descriptor_limit(true);
    datadir::check_for_serving(dir)?;
    let tls = match (&ops.tls_cert, &ops.tls_key) {
        (Some(cert), Some(key)) => {
            Some(Arc::new(Certificates::load(TlsFiles { cert: cert.clone(), key: key.clone() })?))
        }
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let state = Arc::new(app_state(dir, clock, limits)?);
    let public = state.client.key.public_key().to_hex();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime
        .block_on(server::serve(state, listen, tls, |addr| {
            tracing::info!(%addr, scheme, data_dir = %dir.display(), "listening");
            // Tests and scripts read this line to learn the port (with --listen …:0). Written
            // without panicking: whoever started the server may have closed its stdout.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "licensekit-server: listening on {scheme}://{addr} (public key {public})");
            let _ = out.flush();
        }))
        .map_err(|e| format!("cannot serve on {listen}: {e}"))?;
    tracing::info!("stopped");
    Ok(())
}

/// `info`: what an operator needs to find again (the customer ID for the bearer tokens, the
/// public key applications embed) and where the data lives (what to back up).
fn info(dir: &Path, json: bool) -> Result<(), String> {
    let store = datadir::open_store(dir)?;
    let customer_id = store.customer_id().map_err(|e| format!("{e:?}"))?;
    let public_key = datadir::signing_key(dir)?.public_key().to_hex();
    let dir = dir.canonicalize().map_err(|e| format!("{}: {e}", dir.display()))?;
    let database = dir.join(datadir::DATABASE);
    let signing_key = dir.join(datadir::SIGNING_KEY);
    if json {
        let value = serde_json::json!({
            "customer_id": customer_id,
            "public_keys": [public_key],
            "data_dir": dir,
            "database": database,
            "signing_key": signing_key,
        });
        println!("{value}");
    } else {
        println!("customer ID:    {customer_id}");
        println!("public key:     {public_key}");
        println!("data directory: {}", dir.display());
        println!("database:       {}", database.display());
        println!("signing key:    {} (back it up with the database)", signing_key.display());
    }
    Ok(())
}

/// `audit`: one page of the audit trail.
fn audit(dir: &Path, page: Page, json: bool) -> Result<(), String> {
    let store = datadir::open_store(dir)?;
    let (total, entries) = store.audit(page).map_err(|e| format!("{e:?}"))?;
    if !json {
        println!("{total} changes recorded; page {} of {} per page, newest first", page.number, page.size);
        println!("id\ttime\tkey\taddress\tmethod\tcontroller\tproduct\tcode\tfields");
    }
    for a in entries {
        let e = &a.entry;
        if json {
            let value = serde_json::json!({
                "id": a.id, "time": datetime::format(e.time), "key_kind": e.key_kind,
                "key_prefix": e.key_prefix, "address": e.address, "method": e.method,
                "controller": e.controller, "product_id": e.product_id,
                "license_code": e.license_code, "fields": e.fields,
            });
            println!("{value}");
        } else {
            println!(
                "{}\t{}\t{} {}…\t{}\t{}\t{}\t{}\t{}\t{}",
                a.id,
                datetime::format(e.time),
                e.key_kind,
                e.key_prefix,
                e.address,
                e.method,
                e.controller,
                e.product_id,
                e.license_code,
                e.fields
            );
        }
    }
    Ok(())
}

/// Adds a command-line change to the audit trail; the change itself is done, so a failure
/// here is a warning on stderr, not the command's failure.
fn record(store: &dyn Store, entry: crate::store::operations::NewAuditEntry) {
    if let Err(e) = store.record_audit(&entry) {
        eprintln!("licensekit-server: warning: the audit trail missed this change: {e:?}");
    }
}

/// Runs the command line; the error is printed by `main`.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        None => {
            let dir = Path::new(DEFAULT_DATA_DIR);
            if !datadir::is_initialised(dir) {
                print_init(&datadir::init(dir)?, false);
            }
            serve(
                dir,
                DEFAULT_LISTEN.parse().map_err(|e| format!("{e}"))?,
                Clock::default(),
                Limits::default(),
                &OpsArgs::default(),
            )
        }
        Some(Command::Init { data_dir, json }) => {
            print_init(&datadir::init(&data_dir)?, json);
            Ok(())
        }
        Some(Command::Serve { data_dir, listen, hour_seconds, clock_offset_secs, limits, ops }) => {
            serve(&data_dir, listen, Clock::new(hour_seconds, clock_offset_secs), limits.limits(), &ops)
        }
        Some(Command::Info { data_dir, json }) => info(&data_dir, json),
        Some(Command::Audit { data_dir, page, page_size, json }) => {
            audit(&data_dir, Page { number: page, size: page_size }, json)
        }
        Some(Command::Backup { data_dir, to }) => {
            backup::backup(&data_dir, &to)?;
            println!("backed up {} to {}", data_dir.display(), to.display());
            Ok(())
        }
        Some(Command::Restore { from, data_dir }) => {
            backup::restore(&from, &data_dir)?;
            println!("restored {} into {}", from.display(), data_dir.display());
            Ok(())
        }
        Some(Command::Openapi) => {
            print!("{}", crate::openapi::pretty());
            Ok(())
        }
        Some(Command::PublicKey { data_dir }) => {
            println!("{}", datadir::signing_key(&data_dir)?.public_key().to_hex());
            Ok(())
        }
        Some(Command::Keys { action }) => match action {
            KeysAction::Create { data_dir, kind } => {
                let store = datadir::open_store(&data_dir)?;
                let (id, key) = datadir::create_key(&store, kind)?;
                record(&store, audit::local("POST", "keys", "", &format!("id={id},kind={}", kind.name())));
                println!("{id}\t{}\t{key}", kind.name());
                Ok(())
            }
            KeysAction::List { data_dir } => {
                let store = datadir::open_store(&data_dir)?;
                println!("id\tkind\tprefix\tcreated\trevoked");
                for key in store.list_keys().map_err(|e| format!("{e:?}"))? {
                    println!(
                        "{}\t{}\t{}…\t{}\t{}",
                        key.id,
                        key.kind.name(),
                        key.prefix,
                        datetime::format(key.created),
                        key.revoked.map(datetime::format).unwrap_or_else(|| "-".into())
                    );
                }
                println!();
                println!("signing key\tpublic key\tstate");
                for line in keys::describe(&data_dir)? {
                    println!("{line}");
                }
                Ok(())
            }
            KeysAction::Rotate { data_dir } => {
                let (old, new) = keys::rotate(&data_dir)?;
                println!("current signing key: {} (public key {})", new.id().to_hex(), new.to_hex());
                println!("retired signing key: {} (public key {})", old.id().to_hex(), old.to_hex());
                println!("Restart the server to sign with the new key; applications must trust it.");
                Ok(())
            }
            KeysAction::Revoke { data_dir, id } => {
                let store = datadir::open_store(&data_dir)?;
                store.revoke_key(id).map_err(|e| format!("{e:?}"))?;
                record(&store, audit::local("DELETE", "keys", "", &format!("id={id}")));
                println!("revoked key {id}");
                Ok(())
            }
        },
        Some(Command::Offline { action }) => match action {
            OfflineAction::Activate { data_dir, request, json } => licensing_cli::activate(
                &app_state(&data_dir, Clock::default(), Limits::default())?,
                &request,
                json,
            ),
            OfflineAction::Deactivate { data_dir, certificate, json } => licensing_cli::deactivate(
                &app_state(&data_dir, Clock::default(), Limits::default())?,
                &certificate,
                json,
            ),
        },
        Some(Command::Passive { action }) => match action {
            PassiveAction::Create {
                data_dir,
                product,
                client_id,
                company_id,
                profile,
                features,
                udfs,
                json,
            } => {
                let state = app_state(&data_dir, Clock::default(), Limits::default())?;
                let clock = state.client.clock;
                let request = NewPassive {
                    product_id: product,
                    client_id,
                    company_id,
                    profile: crate::passive::profile(profile),
                    features,
                    udfs: udfs.into_iter().map(|(name, value)| UdfSetting { name, value }).collect(),
                    now: clock.now(),
                    hour: clock.hour(),
                };
                licensing_cli::passive(&state, &request, json)
            }
        },
    }
}
