//! Where an installation's data lives: a data directory (SQLite and the signing key file,
//! see [`crate::datadir`]), or a PostgreSQL database that holds everything, the signing key
//! included, so that every server process pointed at it signs with the same key (see
//! `store::postgres`). Every command that reads or writes the data takes one of the two.

use std::path::PathBuf;
use std::sync::Arc;

use licensekit::protocol::SigningKey;

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
            let seed = store.signing_key_hex().map_err(|e| format!("{e:?}"))?.ok_or_else(|| {
                "the database is not initialised: run `licensekit-server init --database URL`".to_owned()
            })?;
            let key = SigningKey::from_seed_hex(&seed)
                .map_err(|_| "the database does not hold a valid signing key".to_owned())?;
            Ok((Arc::new(store), key))
        }
    }
}

/// `migrate --from sqlite:FILE --to postgres://...`: copies the SQLite installation whose
/// database is FILE (its signing key is the one beside it, as `init` left them) into a
/// new, empty PostgreSQL database, checked row by row (see `store::postgres::import`).
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
    let to = parse_database(to).map_err(|e| format!("--to: {e}"))?;
    open_postgres(&to)?.import_sqlite(&file, &key).map_err(|e| format!("{e:?}"))
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
/// `restore`, `keys rotate`); with a database, `refusal` (what to do instead) and nothing
/// touched.
pub fn data_dir_only(location: &Location, refusal: &str) -> Result<PathBuf, String> {
    match location {
        Location::DataDir(dir) => Ok(dir.clone()),
        Location::Postgres(_) => Err(refusal.to_owned()),
    }
}

/// `keys list`'s signing-key lines (ID, public key, current or retired): a data directory's
/// current and retired keys ([`crate::keys::describe`]); a database holds one current key.
pub fn describe_signing_keys(location: &Location) -> Result<Vec<String>, String> {
    match location {
        Location::DataDir(dir) => crate::keys::describe(dir),
        Location::Postgres(_) => {
            let public = open(location)?.1.public_key();
            Ok(vec![format!("{}\t{}\tcurrent", public.id().to_hex(), public.to_hex())])
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
