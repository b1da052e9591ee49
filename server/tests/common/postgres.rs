//! The PostgreSQL side of the harness. `LK_TEST_POSTGRES` is the URL of a database whose
//! role may create databases (`scripts/test` always sets it, and `.ci/run` starts the
//! server); every test server gets a fresh database of its own, dropped afterwards. A test
//! that needs PostgreSQL fails, loudly, when the variable is unset or the server is down:
//! it never passes without having run.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// True when `LK_TEST_BACKEND=postgres`: the harness's servers keep their data there.
pub fn selected() -> bool {
    match std::env::var("LK_TEST_BACKEND").as_deref() {
        Err(_) | Ok("sqlite") => false,
        Ok("postgres") => true,
        Ok(other) => panic!("LK_TEST_BACKEND={other}: expected sqlite or postgres"),
    }
}

/// The URL the tests create their databases through.
pub fn admin_url() -> String {
    std::env::var("LK_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "LK_TEST_POSTGRES is not set: it must name a PostgreSQL database whose role may create \
             databases, e.g. postgres://licensekit:licensekit@127.0.0.1:5432/licensekit (scripts/test sets it)"
        )
    })
}

/// Runs one SQL command with psql and returns its unaligned output; fails the test on any
/// error, an unreachable server included.
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .output()
        .unwrap_or_else(|e| panic!("cannot run psql (install postgresql-client): {e}"));
    assert!(
        out.status.success(),
        "psql {sql:?} against {url} failed (is PostgreSQL running?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority_end..].find('/').map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A fresh database, dropped (with any connection left to it) when this is dropped.
#[derive(Debug)]
pub struct Database {
    pub url: String,
    name: String,
}

impl Database {
    pub fn create() -> Database {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("lk_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let admin = admin_url();
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        psql(&admin, &format!("CREATE DATABASE {name}"));
        Database { url: with_database(&admin, &name), name }
    }

    /// Runs one SQL command in this database.
    pub fn sql(&self, sql: &str) -> String {
        psql(&self.url, sql)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-d",
                &admin_url(),
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}
