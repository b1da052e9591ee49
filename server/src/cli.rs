//! The command line: `init`, `serve`, `migrate`, `backup`, `restore`, `keys`, `public-key`,
//! `info`, `audit`, `openapi`, `events export`, and for air-gapped vendors `offline activate|deactivate` and
//! `passive create` (see [`crate::licensing_cli`]).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
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
use crate::events_export;
use crate::licensing_cli;
use crate::location::{self, Location, LocationArgs};
use crate::server::{self, AppState, Limits};
use crate::store::Store;
use crate::store::leasing::NewPassive;
use crate::store::model::{EventFilter, KeyKind, Page, UdfSetting};
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
        #[command(flatten)]
        at: LocationArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Serve the Web API and the client protocol until SIGINT or SIGTERM.
    Serve {
        #[command(flatten)]
        at: LocationArgs,
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
    /// serves the directory. The format is described in server/README.md. A data directory
    /// only: a PostgreSQL database is backed up with pg_dump.
    Backup {
        #[command(flatten)]
        at: LocationArgs,
        /// The backup file to create (refused when it exists).
        #[arg(long)]
        to: PathBuf,
    },
    /// Fill a new data directory from a backup file (one that holds no data yet, created
    /// when missing). A data directory only: a PostgreSQL dump is restored with pg_restore.
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        at: LocationArgs,
    },
    /// Copy an SQLite installation (database and signing key) into a new PostgreSQL
    /// database, checking every row, so that `serve --database` carries on from it.
    Migrate {
        /// sqlite:FILE, the data directory's licensekit.db (the signing key is read beside it).
        #[arg(long)]
        from: String,
        /// postgres://user:password@host/database: an empty database.
        #[arg(long)]
        to: String,
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
        #[command(flatten)]
        at: LocationArgs,
    },
    /// Print the customer ID, the vendor public key and where the data lives.
    Info {
        #[command(flatten)]
        at: LocationArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the audit trail of vendor changes, newest first (one page).
    Audit {
        #[command(flatten)]
        at: LocationArgs,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=i64::from(i32::MAX)))]
        page: i64,
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        page_size: i64,
        /// Print one JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Usage events (DataStreamer's and the clients'), against the data directory or database.
    Events {
        #[command(subcommand)]
        action: EventsAction,
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
        #[command(flatten)]
        at: LocationArgs,
        /// The request file the air-gapped machine wrote (armoured or compact).
        #[arg(long)]
        request: PathBuf,
        /// Print one JSON object instead of the certificate.
        #[arg(long)]
        json: bool,
    },
    /// Apply a deactivation certificate file: the seat it gives back is freed (once).
    Deactivate {
        #[command(flatten)]
        at: LocationArgs,
        #[arg(long)]
        certificate: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EventsAction {
    /// Print the events matching the filters, oldest first.
    Export {
        #[command(flatten)]
        at: LocationArgs,
        /// Only this product's events.
        #[arg(long)]
        product: Option<String>,
        /// Only events of this name.
        #[arg(long)]
        event: Option<String>,
        /// Only events from this time on (`YYYY-MM-DD[THH:MM[:SS]]`, UTC).
        #[arg(long, value_parser = parse_time)]
        from: Option<i64>,
        /// Only events up to this time (a date alone includes that whole day).
        #[arg(long, value_parser = parse_end)]
        to: Option<i64>,
        #[arg(long, value_enum, default_value_t = events_export::Format::Jsonl)]
        format: events_export::Format,
    },
}

fn parse_time(text: &str) -> Result<i64, String> {
    datetime::parse(text).ok_or_else(|| format!("{text}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC)"))
}

fn parse_end(text: &str) -> Result<i64, String> {
    Ok(datetime::inclusive_end(text, parse_time(text)?))
}

#[derive(Debug, Subcommand)]
pub enum PassiveAction {
    /// Create a passive license for a client ID (printed, armoured).
    Create {
        #[command(flatten)]
        at: LocationArgs,
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
        #[command(flatten)]
        at: LocationArgs,
        #[arg(long, value_parser = parse_kind)]
        kind: KeyKind,
    },
    /// List API keys (ID, kind, first characters, created, revoked), then the vendor signing
    /// keys (key ID, public key, current or retired).
    List {
        #[command(flatten)]
        at: LocationArgs,
    },
    /// Make a new vendor signing key current; the old one is retired but kept and listed.
    /// Restart the server to sign with the new key (with --database, every process serving
    /// the database: each reads the key when it starts).
    Rotate {
        #[command(flatten)]
        at: LocationArgs,
    },
    /// Revoke a key by ID.
    Revoke {
        #[command(flatten)]
        at: LocationArgs,
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

/// Everything a server over the initialised location shares, with leases signed on `clock`.
pub(crate) fn app_state(at: &Location, clock: Clock, limits: Limits) -> Result<AppState, String> {
    let (store, key) = location::open(at)?;
    let customer_id = store.customer_id().map_err(|e| format!("{e:?}"))?;
    Ok(AppState::new(store, customer_id, ClientProtocol { key, clock }, limits))
}

fn serve(
    at: &Location,
    listen: SocketAddr,
    clock: Clock,
    limits: Limits,
    ops: &OpsArgs,
) -> Result<(), String> {
    telemetry::init(ops.log_level.as_deref(), ops.log_format)?;
    // The process is the server's own: let it use every descriptor it may have (the
    // connection cap is sized below what this leaves).
    connections::descriptor_limit(true);
    location::check_for_serving(at)?;
    let tls = match (&ops.tls_cert, &ops.tls_key) {
        (Some(cert), Some(key)) => {
            Some(Arc::new(Certificates::load(TlsFiles { cert: cert.clone(), key: key.clone() })?))
        }
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut state = app_state(at, clock, limits)?;
    state.tls = tls.is_some();
    let state = Arc::new(state);
    let public = state.client.key.public_key().to_hex();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime
        .block_on(server::serve(state, listen, tls, |addr| {
            tracing::info!(%addr, scheme, data = %at, "listening");
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
fn info(at: &Location, json: bool) -> Result<(), String> {
    let (store, key) = location::open(at)?;
    let customer_id = store.customer_id().map_err(|e| format!("{e:?}"))?;
    let public_key = key.public_key().to_hex();
    let dir = match at {
        Location::DataDir(dir) => dir,
        Location::Postgres(_) => {
            // The URL without its password: `info` output ends up in tickets and chats.
            let database = at.to_string();
            if json {
                let value = serde_json::json!({
                    "customer_id": customer_id,
                    "public_keys": [public_key],
                    "database": database,
                    "signing_key": "in the database",
                });
                println!("{value}");
            } else {
                println!("customer ID:    {customer_id}");
                println!("public key:     {public_key}");
                println!("database:       {database}");
                println!("signing key:    in the database (pg_dump backs it up with the data)");
            }
            return Ok(());
        }
    };
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
fn audit(at: &Location, page: Page, json: bool) -> Result<(), String> {
    let store = location::open_store(at)?;
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

/// Why `backup` and `restore` refuse `--database` (see `location::data_dir_only`).
const BACKUP_POSTGRES: &str = "backup takes a data directory; back up a PostgreSQL database with \
     pg_dump (the signing key is stored in the database, so the dump carries it): \
     pg_dump --format=custom --file=FILE URL";
const RESTORE_POSTGRES: &str = "restore fills a data directory; restore a PostgreSQL dump with \
     pg_restore into an empty database: pg_restore --dbname=URL FILE";

/// Runs the command line; the error is printed by `main`.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        None => {
            let at = Location::DataDir(PathBuf::from(DEFAULT_DATA_DIR));
            if !location::is_initialised(&at) {
                print_init(&location::init(&at)?, false);
            }
            serve(
                &at,
                DEFAULT_LISTEN.parse().map_err(|e| format!("{e}"))?,
                Clock::default(),
                Limits::default(),
                &OpsArgs::default(),
            )
        }
        Some(Command::Init { at, json }) => {
            print_init(&location::init(&at.location())?, json);
            Ok(())
        }
        Some(Command::Serve { at, listen, hour_seconds, clock_offset_secs, limits, ops }) => {
            serve(&at.location(), listen, Clock::new(hour_seconds, clock_offset_secs), limits.limits(), &ops)
        }
        Some(Command::Info { at, json }) => info(&at.location(), json),
        Some(Command::Audit { at, page, page_size, json }) => {
            audit(&at.location(), Page { number: page, size: page_size }, json)
        }
        Some(Command::Backup { at, to }) => {
            let data_dir = location::data_dir_only(&at.location(), BACKUP_POSTGRES)?;
            backup::backup(&data_dir, &to)?;
            println!("backed up {} to {}", data_dir.display(), to.display());
            Ok(())
        }
        Some(Command::Restore { from, at }) => {
            let data_dir = location::data_dir_only(&at.location(), RESTORE_POSTGRES)?;
            backup::restore(&from, &data_dir)?;
            println!("restored {} into {}", from.display(), data_dir.display());
            Ok(())
        }
        Some(Command::Openapi) => {
            print!("{}", crate::openapi::pretty());
            Ok(())
        }
        Some(Command::Migrate { from, to }) => {
            let moved = location::migrate(&from, &to)?;
            let rows: usize = moved.tables.iter().map(|(_, n)| n).sum();
            for (table, n) in &moved.tables {
                println!("{table}\t{n}");
            }
            println!(
                "copied and checked {rows} rows in {} tables; lease serial {}",
                moved.tables.len(),
                moved.lease_serial
            );
            Ok(())
        }
        Some(Command::PublicKey { at }) => {
            println!("{}", location::open(&at.location())?.1.public_key().to_hex());
            Ok(())
        }
        Some(Command::Keys { action }) => match action {
            KeysAction::Create { at, kind } => {
                let store = location::open_store(&at.location())?;
                let (id, key) = datadir::create_key(store.as_ref(), kind)?;
                record(
                    store.as_ref(),
                    audit::local("POST", "keys", "", &format!("id={id},kind={}", kind.name())),
                );
                println!("{id}\t{}\t{key}", kind.name());
                Ok(())
            }
            KeysAction::List { at } => {
                let store = location::open_store(&at.location())?;
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
                for line in location::describe_signing_keys(&at.location())? {
                    println!("{line}");
                }
                Ok(())
            }
            KeysAction::Rotate { at } => {
                let at = at.location();
                let (old, new) = location::rotate(&at)?;
                let fields = format!("current={},retired={}", new.id().to_hex(), old.id().to_hex());
                record(location::open_store(&at)?.as_ref(), audit::local("PUT", "signing-key", "", &fields));
                println!("current signing key: {} (public key {})", new.id().to_hex(), new.to_hex());
                println!("retired signing key: {} (public key {})", old.id().to_hex(), old.to_hex());
                match at {
                    Location::DataDir(_) => {
                        println!("Restart the server to sign with the new key; applications must trust it.")
                    }
                    Location::Postgres(_) => println!(
                        "Restart every server process on this database to sign with the new key; \
                         applications must trust it."
                    ),
                }
                Ok(())
            }
            KeysAction::Revoke { at, id } => {
                let store = location::open_store(&at.location())?;
                store.revoke_key(id).map_err(|e| format!("{e:?}"))?;
                record(store.as_ref(), audit::local("DELETE", "keys", "", &format!("id={id}")));
                println!("revoked key {id} (running servers refuse it within a second)");
                Ok(())
            }
        },
        Some(Command::Events { action: EventsAction::Export { at, product, event, from, to, format } }) => {
            let store = location::open_store(&at.location())?;
            let filter = EventFilter { product_id: product, name: event, start: from, end: to };
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            events_export::export(store.as_ref(), &filter, format, out)?;
            Ok(())
        }
        Some(Command::Offline { action }) => match action {
            OfflineAction::Activate { at, request, json } => licensing_cli::activate(
                &app_state(&at.location(), Clock::default(), Limits::default())?,
                &request,
                json,
            ),
            OfflineAction::Deactivate { at, certificate, json } => licensing_cli::deactivate(
                &app_state(&at.location(), Clock::default(), Limits::default())?,
                &certificate,
                json,
            ),
        },
        Some(Command::Passive { action }) => match action {
            PassiveAction::Create { at, product, client_id, company_id, profile, features, udfs, json } => {
                let state = app_state(&at.location(), Clock::default(), Limits::default())?;
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
