//! The server inside another program: a fresh data directory served on a free loopback port
//! from a background thread, until the handle is dropped. No signal handlers are installed
//! (the host program keeps its own).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::cli::app_state;
use crate::clock::Clock;
use crate::datadir;
use crate::server::{self, Limits};

/// A running embedded server and the credentials its data directory was made with.
#[derive(Debug)]
pub struct EmbeddedServer {
    url: String,
    customer_id: String,
    public_key: String,
    /// (kind name, key): `read_only`, `read_write`, `offline`, `ds`.
    api_keys: Vec<(&'static str, String)>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl EmbeddedServer {
    /// Initialises `dir` (which must not be initialised yet) and serves it on 127.0.0.1 at a
    /// free port. Returns once the server accepts connections.
    pub fn start(dir: &Path) -> Result<EmbeddedServer, String> {
        EmbeddedServer::start_scaled(dir, 3600)
    }

    /// [`EmbeddedServer::start`] with `serve --hour-seconds`: one "hour" of every period
    /// (and so a minute of heartbeat intervals, a day of long-term check-outs) lasts
    /// `hour_secs` seconds (1 to 3600). For tests and benchmarks.
    pub fn start_scaled(dir: &Path, hour_secs: u32) -> Result<EmbeddedServer, String> {
        let made = datadir::init(dir)?;
        let at = crate::location::Location::DataDir(dir.to_owned());
        let state = Arc::new(app_state(&at, Clock::new(hour_secs.clamp(1, 3600), 0), Limits::default())?);
        let (ready, listening) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("licensekit-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the runtime: {e}"))?;
                let listen = SocketAddr::from(([127, 0, 0, 1], 0));
                let on_listening = move |addr| {
                    let _ = ready.send(addr);
                };
                let until = async {
                    let _ = stopped.await;
                };
                runtime
                    .block_on(server::serve_until(state, listen, on_listening, until))
                    .map_err(|e| format!("cannot serve on {listen}: {e}"))
            })
            .map_err(|e| format!("cannot start the server thread: {e}"))?;
        let addr = match listening.recv() {
            Ok(addr) => addr,
            // The thread ended before listening: its error says why.
            Err(_) => {
                let outcome = thread.join().map_err(|_| "the server thread panicked".to_owned())?;
                return Err(outcome.err().unwrap_or_else(|| "the server stopped at once".into()));
            }
        };
        Ok(EmbeddedServer {
            url: format!("http://{addr}"),
            customer_id: made.customer_id,
            public_key: made.public_key,
            api_keys: made.api_keys.into_iter().map(|(kind, key)| (kind.name(), key)).collect(),
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`: the Web API is under `/api/`, the client
    /// protocol under `/client/v1/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The customer ID, the first half of every Web API bearer token.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// The vendor public key (hex) that clients trust.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The Web API key of a kind (`read_only`, `read_write`, `offline`, `ds`); empty for
    /// another word.
    pub fn api_key(&self, kind: &str) -> &str {
        self.api_keys.iter().find(|(name, _)| *name == kind).map_or("", |(_, key)| key)
    }
}

impl Drop for EmbeddedServer {
    /// Stops serving (requests in flight finish first) and waits for the thread.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
