//! Test harness: starts the real `licensekit-server` binary on a free loopback port with a
//! fresh data directory, talks to it over HTTP, and kills it on drop.
//!
//! With `LK_TEST_BACKEND=postgres` every server the harness starts keeps its data in a fresh
//! PostgreSQL database instead (see [`postgres`]), so the same tests run on both backends.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod postgres;

pub const BIN: &str = env!("CARGO_BIN_EXE_licensekit-server");

/// A running server and the credentials `init` printed.
pub struct Server {
    child: Child,
    pub base: String,
    pub customer: String,
    pub keys: Value,
    pub dir: tempfile::TempDir,
    /// Where the data is: `--data-dir DIR` or `--database URL`, for `serve` and the CLI.
    location: Vec<String>,
    /// The database of a PostgreSQL-backed server, dropped with it.
    database: Option<postgres::Database>,
    /// The vendor public key (hex) that clients trust.
    pub public_key: String,
    agent: ureq::Agent,
}

/// Runs `licensekit-server init --json` in `dir` and returns its output.
pub fn init(dir: &Path) -> Value {
    init_at(&dir_location(dir))
}

/// Runs `licensekit-server init --json` at a location (`--data-dir DIR` or `--database URL`).
pub fn init_at(location: &[String]) -> Value {
    let out = Command::new(BIN).arg("init").args(location).arg("--json").output().unwrap();
    assert!(out.status.success(), "init failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("init --json prints one JSON object")
}

/// The location arguments of a data directory.
pub fn dir_location(dir: &Path) -> Vec<String> {
    vec!["--data-dir".into(), dir.to_str().expect("temporary paths are UTF-8").into()]
}

/// Starts `serve` on port 0 and waits until it accepts connections: the server prints its
/// address once bound, then the port is polled, so no fixed sleep is involved.
pub fn spawn_serve(dir: &Path) -> (Child, String) {
    spawn_serve_with(dir, &[])
}

/// [`spawn_serve`] with extra `serve` flags (`--hour-seconds`, `--clock-offset-secs`).
pub fn spawn_serve_with(dir: &Path, extra: &[&str]) -> (Child, String) {
    spawn_serve_under(&[], dir, extra)
}

/// [`spawn_serve_with`] run by a wrapper that execs the server (`prlimit --nofile=256:256`);
/// no wrapper when `wrapper` is empty.
pub fn spawn_serve_under(wrapper: &[&str], dir: &Path, extra: &[&str]) -> (Child, String) {
    spawn_serve_at(wrapper, &dir_location(dir), extra)
}

/// [`spawn_serve_under`] at a location (`--data-dir DIR` or `--database URL`).
pub fn spawn_serve_at(wrapper: &[&str], location: &[String], extra: &[&str]) -> (Child, String) {
    spawn_serve_logged(wrapper, location, extra, None)
}

/// [`spawn_serve_at`] with the server's log (stderr, at info unless `extra` says otherwise)
/// sent to `log`; with `None`, inherited at warn. The base URL is `https://…` when the
/// server says it serves TLS.
pub fn spawn_serve_logged(
    wrapper: &[&str],
    location: &[String],
    extra: &[&str],
    log: Option<Stdio>,
) -> (Child, String) {
    let logged = log.is_some();
    let log = log.unwrap_or_else(Stdio::inherit);
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(BIN);
            command
        }
        None => Command::new(BIN),
    };
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(location)
        .args(extra)
        .stdout(Stdio::piped())
        // A log not asked for stays quiet in the test output: warnings and errors only.
        .env("RUST_LOG", if logged { "info" } else { "warn" })
        .stderr(log)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let scheme = if line.contains(" https://") { "https" } else { "http" };
    let addr = line
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "server did not accept connections");
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, format!("{scheme}://{addr}"))
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts a server with extra `serve` flags.
    pub fn start_with(extra: &[&str]) -> Server {
        Server::start_under(&[], extra)
    }

    /// Starts a server with extra `serve` flags, run by a wrapper (see [`spawn_serve_under`]),
    /// on the backend `LK_TEST_BACKEND` names.
    pub fn start_under(wrapper: &[&str], extra: &[&str]) -> Server {
        Server::start_on(postgres::selected(), wrapper, extra, false)
    }

    /// Starts a server with extra `serve` flags whose log goes to [`Server::log`], on the
    /// backend `LK_TEST_BACKEND` names.
    pub fn start_logged(extra: &[&str]) -> Server {
        Server::start_on(postgres::selected(), &[], extra, true)
    }

    /// Starts a server on a fresh SQLite data directory, whatever `LK_TEST_BACKEND` says.
    pub fn start_on_sqlite(extra: &[&str]) -> Server {
        Server::start_on(false, &[], extra, false)
    }

    /// Starts a server on a fresh PostgreSQL database, whatever `LK_TEST_BACKEND` says.
    pub fn start_on_postgres(extra: &[&str]) -> Server {
        Server::start_on(true, &[], extra, false)
    }

    fn start_on(on_postgres: bool, wrapper: &[&str], extra: &[&str], logged: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let database = on_postgres.then(postgres::Database::create);
        let location = match &database {
            Some(db) => vec!["--database".to_owned(), db.url.clone()],
            None => dir_location(&dir.path().join("data")),
        };
        let init = init_at(&location);
        let log = logged.then(|| Stdio::from(std::fs::File::create(dir.path().join("server.log")).unwrap()));
        let (child, base) = spawn_serve_logged(wrapper, &location, extra, log);
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Server {
            child,
            base,
            customer: init["customer_id"].as_str().unwrap().to_owned(),
            keys: init["api_keys"].clone(),
            public_key: init["public_key"].as_str().unwrap().to_owned(),
            dir,
            location,
            database,
            agent,
        }
    }

    /// Another server process on the same database (PostgreSQL), with the same credentials
    /// and the public key `init` printed, so what it signs is verified with the first
    /// process's key. The database stays with `self`.
    pub fn another_process(&self, extra: &[&str]) -> Server {
        assert!(self.database.is_some(), "only a PostgreSQL database is shared by several processes");
        let (child, base) = spawn_serve_at(&[], &self.location, extra);
        Server {
            child,
            base,
            customer: self.customer.clone(),
            keys: self.keys.clone(),
            dir: tempfile::tempdir().unwrap(),
            location: self.location.clone(),
            database: None,
            public_key: self.public_key.clone(),
            agent: self.agent.clone(),
        }
    }

    /// The database of a PostgreSQL-backed server.
    pub fn database(&self) -> &postgres::Database {
        self.database.as_ref().expect("a PostgreSQL-backed server")
    }

    /// The same server (data, keys) served again by a new process, after [`Server::terminate`].
    pub fn adopt(mut old: Server, child: Child, base: String) -> Server {
        // The old process has exited; the data directory or database moves to the new one.
        let dir = std::mem::replace(&mut old.dir, tempfile::tempdir().unwrap());
        Server {
            child,
            base,
            customer: old.customer.clone(),
            keys: old.keys.clone(),
            dir,
            location: old.location.clone(),
            database: old.database.take(),
            public_key: old.public_key.clone(),
            agent: old.agent.clone(),
        }
    }

    /// What the server has logged so far (started by [`Server::start_logged`]).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The data directory of an SQLite-backed server. A test that reads or writes the
    /// directory itself runs on SQLite only (`scripts/test` leaves it out of the PostgreSQL
    /// run); reached on PostgreSQL, it fails rather than test something else.
    pub fn data_dir(&self) -> PathBuf {
        assert!(self.database.is_none(), "this test works on the SQLite data directory: run it on SQLite");
        self.dir.path().join("data")
    }

    /// The vendor signing key's seed (hex): the data directory's file, or the database's row.
    pub fn signing_key_hex(&self) -> String {
        match &self.database {
            Some(db) => db.sql("SELECT value FROM meta WHERE key = 'signing_key'"),
            None => {
                std::fs::read_to_string(self.data_dir().join("signing-key.hex")).unwrap().trim().to_owned()
            }
        }
    }

    /// Where the data is, as command-line arguments: `--data-dir DIR` or `--database URL`.
    pub fn location(&self) -> Vec<String> {
        self.location.clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The bearer value for a key kind (`read_only`, `read_write`, `offline`, `ds`).
    pub fn bearer(&self, kind: &str) -> String {
        format!("bearer {}:{}", self.customer, self.keys[kind].as_str().unwrap())
    }

    /// Sends a raw request; `auth` is the whole Authorization value (None = no header).
    pub fn raw(&self, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let with_auth = |b: ureq::RequestBuilder<ureq::typestate::WithBody>| match auth {
            Some(a) => b.header("Authorization", a),
            None => b,
        };
        let builder = match method {
            "GET" => with_auth(self.agent.get(&url).force_send_body()),
            "DELETE" => with_auth(self.agent.delete(&url).force_send_body()),
            "POST" => with_auth(self.agent.post(&url)),
            "PUT" => with_auth(self.agent.put(&url)),
            "PATCH" => with_auth(self.agent.patch(&url)),
            other => panic!("method {other}"),
        };
        let mut response = builder.header("Content-Type", "application/json").send(body).unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        let value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text:?}"));
        (status, value)
    }

    /// Calls a controller with a JSON body using a key kind.
    pub fn call(&self, method: &str, controller: &str, kind: &str, body: &Value) -> (u16, Value) {
        let auth = self.bearer(kind);
        self.raw(method, &format!("/api/{controller}"), Some(&auth), body.to_string().as_bytes())
    }

    /// Calls with the read-write key and expects 200.
    pub fn ok(&self, method: &str, controller: &str, body: &Value) -> Value {
        let (status, value) = self.call(method, controller, "read_write", body);
        assert_eq!(status, 200, "{method} {controller} {body}: {value}");
        value
    }

    /// Stops the server with SIGTERM and returns its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Sends a signal with kill(1) to a process this harness started.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().unwrap();
    assert!(status.success());
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ID at the end of a "… Created Successfully : <id>" answer.
pub fn created_id(answer: &Value) -> String {
    let text = answer.as_str().unwrap_or_else(|| panic!("not a string: {answer}"));
    text.rsplit(" : ").next().unwrap().to_owned()
}

fn is_datetime(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && !text.ends_with('Z')
        && text.bytes().enumerate().all(|(i, c)| matches!(i, 4 | 7 | 10 | 13 | 16 | 19) || c.is_ascii_digit())
}

/// Checks that `actual` has the shape of the seed's example output `expected`: the same
/// field names with the same casing, the same JSON types, datetimes in the seed's format
/// (or null where the example has a date or null), recursively; every array element is
/// checked against the example's first element.
pub fn assert_shape(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut a_keys: Vec<&String> = a.keys().collect();
            let mut e_keys: Vec<&String> = e.keys().collect();
            a_keys.sort();
            e_keys.sort();
            assert_eq!(a_keys, e_keys, "{path}: field names differ from the seed");
            for (key, value) in e {
                assert_shape(&a[key], value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if let Some(first) = e.first() {
                for (i, item) in a.iter().enumerate() {
                    assert_shape(item, first, &format!("{path}[{i}]"));
                }
            }
        }
        (Value::String(a), Value::String(e)) => {
            if is_datetime(e) {
                assert!(is_datetime(a), "{path}: {a:?} is not a datetime like {e:?}");
            }
        }
        (Value::Null, Value::String(e)) if is_datetime(e) => {}
        (Value::String(a), Value::Null) => assert!(is_datetime(a), "{path}: {a:?} where the seed has null"),
        (Value::Number(_), Value::Number(_))
        | (Value::Null, Value::Null)
        | (Value::Bool(_), Value::Bool(_)) => {}
        _ => panic!("{path}: {actual} does not have the type of the seed's {expected}"),
    }
}

pub mod licensing;
pub mod offline;
pub mod raw;
