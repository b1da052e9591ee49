//! Where an installation's data lives: a data directory (SQLite and the signing key file,
//! see [`crate::datadir`]), or a PostgreSQL database that holds everything, the signing key
//! included, so that every server process pointed at it signs with the same key (see
//! `store::postgres`). Every command that reads or writes the data takes one of the two.

use std::path::PathBuf;
use std::sync::Arc;

use licensekit::protocol::{PublicKey, SigningKey};

use crate::auth::hash_key;
use crate::datadir::{self, Initialised};
use crate::random;
use crate::store::Store;
use crate::store::model::KeyKind;
use crate::store::postgres::{Moved, PostgresStore};

/// `--data-dir DIR` or `--database postgres://...`, exactly one.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct LocationArgs {
    /// The data directory: an SQLite database and the signing key file.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL database instead of a data directory (postgres://user:password@host/db):
    /// several server processes may serve one database.
    #[arg(long, value_parser = parse_database)]
    database: Option<String>,
}

fn parse_database(text: &str) -> Result<String, String> {
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        Ok(text.to_owned())
    } else {
        Err("expected a PostgreSQL URL, postgres://user:password@host/database (for SQLite use --data-dir)"
            .into())
    }
}

/// Where the data lives. See the module documentation.
#[derive(Debug, Clone)]
pub enum Location {
    DataDir(PathBuf),
    Postgres(String),
}

/// The data directory, or the database URL without its password (for logs and `info`).
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::DataDir(dir) => write!(f, "{}", dir.display()),
            Location::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl LocationArgs {
    pub fn location(&self) -> Location {
        match (&self.data_dir, &self.database) {
            (_, Some(url)) => Location::Postgres(url.clone()),
            (Some(dir), None) => Location::DataDir(dir.clone()),
            // clap's group requires one of them.
            (None, None) => unreachable!("clap requires --data-dir or --database"),
        }
    }
}

fn open_postgres(url: &str) -> Result<PostgresStore, String> {
    PostgresStore::open(url).map_err(|e| format!("cannot open the database: {e:?}"))
}

/// Initialises the location: the database, the vendor signing key, a customer ID and one
/// API key per kind. A location already initialised is refused and left as it was.
pub fn init(location: &Location) -> Result<Initialised, String> {
    match location {
        Location::DataDir(dir) => datadir::init(dir),
        Location::Postgres(url) => {
            let store = open_postgres(url)?;
            let key =
                SigningKey::generate().map_err(|e| format!("cannot generate the signing key: {e:?}"))?;
            let customer_id = random::digits(6);
            let api_keys: Vec<(KeyKind, String)> =
                KeyKind::ALL.into_iter().map(|k| (k, random::api_key())).collect();
            let hashed: Vec<_> =
                api_keys.iter().map(|(kind, key)| (*kind, hash_key(key), key[..6].to_owned())).collect();
            let seed = zeroize::Zeroizing::new(key.seed_hex());
            store.initialise(&customer_id, &seed, &hashed).map_err(|e| match e {
                crate::store::StoreError::Conflict(_) => {
                    "the database is already initialised; refusing to touch it".into()
                }
                e => format!("{e:?}"),
            })?;
            Ok(Initialised { customer_id, public_key: key.public_key().to_hex(), api_keys })
        }
    }
}

/// True when the location already holds an installation (`serve` with no command
/// initialises a data directory that does not).
pub fn is_initialised(location: &Location) -> bool {
    match location {
        Location::DataDir(dir) => datadir::is_initialised(dir),
        Location::Postgres(_) => true,
    }
}

/// Opens the store of an initialised location.
pub fn open_store(location: &Location) -> Result<Arc<dyn Store>, String> {
    Ok(match location {
        Location::DataDir(dir) => Arc::new(datadir::open_store(dir)?),
        Location::Postgres(url) => Arc::new(open_postgres(url)?),
    })
}

/// Opens the store and reads the signing key of an initialised location.
pub fn open(location: &Location) -> Result<(Arc<dyn Store>, SigningKey), String> {
    match location {
        Location::DataDir(dir) => {
            let key = datadir::signing_key(dir)?;
            Ok((Arc::new(datadir::open_store(dir)?), key))
        }
        Location::Postgres(url) => {
            let store = open_postgres(url)?;
            let key = current_key(&store)?;
            Ok((Arc::new(store), key))
        }
    }
}

/// The signing key the database holds, the one every process serving it signs with.
fn current_key(store: &PostgresStore) -> Result<SigningKey, String> {
    let seed = store.signing_key_hex().map_err(|e| format!("{e:?}"))?.ok_or_else(|| {
        "the database is not initialised: run `licensekit-server init --database URL`".to_owned()
    })?;
    database_key(&seed, "signing key")
}

/// A signing key the database holds (hex seed); `what` names it in the error.
fn database_key(seed: &str, what: &str) -> Result<SigningKey, String> {
    SigningKey::from_seed_hex(seed).map_err(|_| format!("the database does not hold a valid {what}"))
}

/// `migrate --from sqlite:FILE --to postgres://...`: copies the SQLite installation whose
/// database is FILE (its signing key and retired keys are the files beside it, as `init`
/// and `keys rotate` left them) into a new, empty PostgreSQL database, checked row by row
/// (see `store::postgres::import`).
pub fn migrate(from: &str, to: &str) -> Result<Moved, String> {
    let file = from
        .strip_prefix("sqlite:")
        .map(PathBuf::from)
        .ok_or_else(|| format!("--from {from}: expected sqlite:FILE, the data directory's licensekit.db"))?;
    if !file.is_file() {
        return Err(format!("--from {from}: {} is not a file", file.display()));
    }
    let dir = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let key = datadir::signing_key(dir)?;
    let retired = crate::keys::retired(dir)?;
    let to = parse_database(to).map_err(|e| format!("--to: {e}"))?;
    open_postgres(&to)?.import_sqlite(&file, &key, &retired).map_err(|e| format!("{e:?}"))
}

/// Refuses to serve a data directory others can read or the server could not write
/// ([`datadir::check_for_serving`]); a database's access is its own server's business.
pub fn check_for_serving(location: &Location) -> Result<(), String> {
    match location {
        Location::DataDir(dir) => datadir::check_for_serving(dir),
        Location::Postgres(_) => Ok(()),
    }
}

/// The data directory of a location, for the commands that work on its files (`backup`,
/// `restore`); with a database, `refusal` (what to do instead) and nothing touched.
pub fn data_dir_only(location: &Location, refusal: &str) -> Result<PathBuf, String> {
    match location {
        Location::DataDir(dir) => Ok(dir.clone()),
        Location::Postgres(_) => Err(refusal.to_owned()),
    }
}

/// `keys rotate`: a new vendor signing key becomes current and the old one is retired, kept
/// and listed; returns (old, new). A data directory's files ([`crate::keys::rotate`]), or
/// one transaction in the database ([`PostgresStore::rotate_signing_key`]). Either way each
/// server process signs with the new key only once restarted: it reads the key at start.
pub fn rotate(location: &Location) -> Result<(PublicKey, PublicKey), String> {
    match location {
        Location::DataDir(dir) => crate::keys::rotate(dir),
        Location::Postgres(url) => {
            let new = SigningKey::generate().map_err(|e| format!("cannot generate a signing key: {e:?}"))?;
            let old =
                open_postgres(url)?.rotate_signing_key(&new.seed_hex()).map_err(|e| format!("{e:?}"))?;
            Ok((database_key(&old, "signing key")?.public_key(), new.public_key()))
        }
    }
}

/// `keys list`'s signing-key lines (ID, public key, current or retired, the newest retired
/// first): a data directory's files ([`crate::keys::describe`]), or the database's keys.
pub fn describe_signing_keys(location: &Location) -> Result<Vec<String>, String> {
    match location {
        Location::DataDir(dir) => crate::keys::describe(dir),
        Location::Postgres(url) => {
            let store = open_postgres(url)?;
            let line =
                |key: &PublicKey, state: &str| format!("{}\t{}\t{state}", key.id().to_hex(), key.to_hex());
            let mut lines = vec![line(&current_key(&store)?.public_key(), "current")];
            let retired = store.retired_signing_keys_hex().map_err(|e| format!("{e:?}"))?;
            for seed in retired.iter().rev() {
                lines.push(line(&database_key(seed, "retired signing key")?.public_key(), "retired"));
            }
            Ok(lines)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            without_password("postgres://lk:s3cr:et@db.local:5432/lk"),
            "postgres://lk:***@db.local:5432/lk"
        );
        assert_eq!(without_password("postgres://lk@db.local/lk"), "postgres://lk@db.local/lk");
        assert_eq!(without_password("postgresql://db.local/lk"), "postgresql://db.local/lk");
    }
}
