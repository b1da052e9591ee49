//! Versioned schema migrations, applied in order at start inside one transaction each.
//!
//! `PRAGMA user_version` records the last applied version. A database written by a newer
//! server (a higher version than this binary knows) is refused rather than guessed at.

use rusqlite::Connection;

use crate::store::{StoreError, StoreResult};

/// Migration N (1-based) is `MIGRATIONS[N - 1]`. Append only; never edit a released one.
const MIGRATIONS: &[&str] = &[
    // 1: the vendor Web API of seed 003, and the tables the client protocol fills later
    // (activations, feature check-outs, system details, trials).
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('read_only', 'read_write', 'offline', 'ds')),
        key_hash BLOB NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created INTEGER NOT NULL,
        revoked INTEGER
    );
    CREATE TABLE resellers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        in_trial INTEGER NOT NULL,
        trial_period INTEGER NOT NULL,
        client_lease_period INTEGER NOT NULL,
        vm_lease_period INTEGER NOT NULL,
        client_offline_lease_period INTEGER NOT NULL,
        license_type TEXT NOT NULL,
        clients_allowed INTEGER NOT NULL,
        subscription_period INTEGER NOT NULL,
        subscription_end INTEGER,
        created INTEGER NOT NULL,
        modified INTEGER NOT NULL
    );
    CREATE TABLE feature_groups (
        id INTEGER PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        name TEXT NOT NULL COLLATE NOCASE,
        notes TEXT NOT NULL,
        UNIQUE (product_id, name)
    );
    CREATE TABLE features (
        id INTEGER PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        code TEXT NOT NULL COLLATE NOCASE,
        name TEXT NOT NULL,
        notes TEXT NOT NULL,
        feature_type TEXT NOT NULL,
        group_id INTEGER REFERENCES feature_groups(id) ON DELETE SET NULL,
        available_in_trials INTEGER NOT NULL,
        availability INTEGER NOT NULL DEFAULT 1,
        UNIQUE (product_id, code)
    );
    CREATE TABLE udfs (
        id INTEGER PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        name TEXT NOT NULL COLLATE NOCASE,
        default_value TEXT NOT NULL,
        UNIQUE (product_id, name)
    );
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        name TEXT NOT NULL COLLATE NOCASE,
        reseller_id INTEGER REFERENCES resellers(id),
        enabled_for_use INTEGER NOT NULL,
        license_type TEXT NOT NULL,
        clients_allowed INTEGER NOT NULL,
        client_lease_period INTEGER NOT NULL,
        vm_lease_period INTEGER NOT NULL,
        client_offline_lease_period INTEGER NOT NULL,
        acquired_by_webservice INTEGER NOT NULL,
        network_seats INTEGER NOT NULL,
        heartbeat INTEGER NOT NULL,
        concurrent_processes INTEGER NOT NULL,
        concurrency_mode TEXT NOT NULL,
        subscription_period INTEGER NOT NULL,
        subscription_end INTEGER,
        maintenance_end INTEGER,
        created INTEGER NOT NULL,
        modified INTEGER NOT NULL,
        UNIQUE (product_id, name)
    );
    CREATE TABLE profile_features (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE CASCADE,
        availability INTEGER,
        feature_limit INTEGER,
        PRIMARY KEY (profile_id, feature_id)
    );
    CREATE TABLE profile_udfs (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        udf_id INTEGER NOT NULL REFERENCES udfs(id) ON DELETE CASCADE,
        value TEXT NOT NULL,
        PRIMARY KEY (profile_id, udf_id)
    );
    CREATE TABLE profile_server_functions (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        name TEXT NOT NULL COLLATE NOCASE,
        enabled INTEGER NOT NULL,
        parameter TEXT NOT NULL,
        PRIMARY KEY (profile_id, name)
    );
    CREATE TABLE companies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE,
        product_id TEXT REFERENCES products(id),
        data TEXT NOT NULL,
        search1 TEXT NOT NULL,
        search2 TEXT NOT NULL,
        search3 TEXT NOT NULL,
        reseller_id INTEGER REFERENCES resellers(id),
        created INTEGER NOT NULL,
        modified INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX companies_name ON companies (name, ifnull(product_id, '0'));
    CREATE TABLE license_codes (
        code TEXT PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        company_id INTEGER REFERENCES companies(id) ON DELETE SET NULL,
        profile_id INTEGER REFERENCES profiles(id),
        enabled_for_use INTEGER NOT NULL,
        license_type TEXT NOT NULL,
        clients_allowed INTEGER NOT NULL,
        client_lease_period INTEGER NOT NULL,
        vm_lease_period INTEGER NOT NULL,
        client_offline_lease_period INTEGER NOT NULL,
        acquired_by_webservice INTEGER NOT NULL,
        network_seats INTEGER NOT NULL,
        heartbeat INTEGER NOT NULL,
        concurrent_processes INTEGER NOT NULL,
        concurrency_mode TEXT NOT NULL,
        subscription_period INTEGER NOT NULL,
        subscription_end INTEGER,
        maintenance_end INTEGER,
        subscription_last_activated INTEGER,
        reference TEXT NOT NULL,
        created INTEGER NOT NULL,
        modified INTEGER NOT NULL
    );
    CREATE INDEX license_codes_product ON license_codes (product_id, profile_id);
    CREATE INDEX license_codes_company ON license_codes (company_id);
    CREATE TABLE code_features (
        code TEXT NOT NULL REFERENCES license_codes(code) ON DELETE CASCADE,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE CASCADE,
        availability INTEGER,
        feature_limit INTEGER,
        tokens_used INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (code, feature_id)
    );
    CREATE TABLE code_udfs (
        code TEXT NOT NULL REFERENCES license_codes(code) ON DELETE CASCADE,
        udf_id INTEGER NOT NULL REFERENCES udfs(id) ON DELETE CASCADE,
        value TEXT NOT NULL,
        PRIMARY KEY (code, udf_id)
    );
    CREATE TABLE code_server_functions (
        code TEXT NOT NULL REFERENCES license_codes(code) ON DELETE CASCADE,
        name TEXT NOT NULL COLLATE NOCASE,
        enabled INTEGER NOT NULL,
        parameter TEXT NOT NULL,
        PRIMARY KEY (code, name)
    );
    CREATE TABLE license_notes (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL REFERENCES license_codes(code) ON DELETE CASCADE,
        note_type TEXT NOT NULL CHECK (note_type IN ('General', 'System')),
        created INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        description TEXT NOT NULL
    );
    CREATE INDEX license_notes_code ON license_notes (code);
    CREATE TABLE activations (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL REFERENCES license_codes(code) ON DELETE CASCADE,
        computer_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Activated', 'Deactivated', 'Returned')),
        activated INTEGER NOT NULL,
        deactivated INTEGER,
        lease_end INTEGER,
        vm_platform TEXT NOT NULL DEFAULT '',
        username TEXT NOT NULL DEFAULT '',
        installation_key TEXT,
        serial INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX activations_code ON activations (code, status);
    CREATE INDEX activations_computer ON activations (computer_id, status);
    CREATE TABLE feature_checkouts (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL REFERENCES license_codes(code) ON DELETE CASCADE,
        feature_id INTEGER NOT NULL REFERENCES features(id) ON DELETE CASCADE,
        computer_id TEXT NOT NULL,
        username TEXT NOT NULL DEFAULT '',
        amount INTEGER NOT NULL,
        created INTEGER NOT NULL,
        expires INTEGER NOT NULL
    );
    CREATE INDEX feature_checkouts_code ON feature_checkouts (code, feature_id);
    CREATE TABLE system_details (
        product_id TEXT NOT NULL REFERENCES products(id),
        computer_id TEXT NOT NULL,
        details TEXT NOT NULL,
        updated INTEGER NOT NULL,
        PRIMARY KEY (product_id, computer_id)
    );
    CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        computer_id TEXT NOT NULL,
        trial_period INTEGER NOT NULL,
        created INTEGER NOT NULL,
        modified INTEGER NOT NULL,
        lease_end INTEGER,
        expires INTEGER NOT NULL,
        converted_code TEXT,
        UNIQUE (product_id, computer_id)
    );
    CREATE TABLE consumer_data (
        id INTEGER PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        computer_id TEXT NOT NULL,
        license_code TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        company TEXT NOT NULL,
        email TEXT NOT NULL,
        client_info TEXT NOT NULL,
        created INTEGER NOT NULL
    );
    CREATE INDEX consumer_data_product ON consumer_data (product_id, computer_id);
    CREATE INDEX consumer_data_search ON consumer_data (product_id, last_name, first_name, company, email);
    "#,
    // 2: the client protocol: the installation key of a trial, the server-wide lease serial,
    // the answers kept for retried requests, and the installation keys of deleted activity
    // (so a computer whose activity was deleted learns it, signed, at its next refresh).
    r#"
    ALTER TABLE trials ADD COLUMN installation_key TEXT;
    CREATE TABLE lease_serial (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
    INSERT INTO lease_serial (id, value) VALUES (1, 0);
    CREATE TABLE client_answers (
        request_id TEXT PRIMARY KEY,
        request_hash BLOB NOT NULL,
        lease TEXT,
        created INTEGER NOT NULL
    );
    CREATE INDEX client_answers_created ON client_answers (created);
    CREATE TABLE deleted_activations (
        installation_key TEXT NOT NULL,
        code TEXT NOT NULL REFERENCES license_codes(code) ON DELETE CASCADE,
        computer_id TEXT NOT NULL,
        deleted INTEGER NOT NULL,
        PRIMARY KEY (installation_key, code)
    );
    CREATE INDEX activations_key ON activations (installation_key);
    "#,
    // 3: air-gapped and passive licensing: each activation remembers the serial it started
    // with and the nonce of its latest lease (a deactivation certificate must name a lease
    // issued to it), and the passive licenses issued are kept.
    r#"
    ALTER TABLE activations ADD COLUMN first_serial INTEGER;
    ALTER TABLE activations ADD COLUMN nonce TEXT;
    CREATE TABLE passive_licenses (
        serial INTEGER PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        client_id TEXT NOT NULL,
        company_id INTEGER REFERENCES companies(id) ON DELETE SET NULL,
        profile TEXT,
        issued INTEGER NOT NULL,
        expires INTEGER,
        license TEXT NOT NULL
    );
    CREATE INDEX passive_licenses_client ON passive_licenses (product_id, client_id);
    "#,
    // 4: shared capacity: floating seats and cloud sessions (a session has no feature), each
    // installation's elements of a pool in one row, and whole answers kept for retries (the
    // seat lease, and the elements or tokens left).
    r#"
    CREATE TABLE seats (
        seat_id TEXT PRIMARY KEY,
        code TEXT NOT NULL REFERENCES license_codes(code) ON DELETE CASCADE,
        feature_id INTEGER REFERENCES features(id) ON DELETE CASCADE,
        computer_id TEXT NOT NULL,
        installation_key TEXT NOT NULL,
        long_term INTEGER NOT NULL,
        created INTEGER NOT NULL,
        expires INTEGER NOT NULL
    );
    CREATE INDEX seats_code ON seats (code, feature_id, installation_key);
    ALTER TABLE feature_checkouts ADD COLUMN installation_key TEXT;
    CREATE UNIQUE INDEX feature_checkouts_holder ON feature_checkouts (code, feature_id, installation_key);
    ALTER TABLE client_answers ADD COLUMN seat TEXT;
    ALTER TABLE client_answers ADD COLUMN remaining INTEGER;
    "#,
    // 5: the hardening of the client protocol. Each product says how long offline activation
    // requests stay valid and what a detected fork (a copied store) does; activations and
    // trials keep the component digests their installation last reported (a new installation
    // key takes the seat over only from matching hardware or with a handover) and their chain
    // of leases (the serial acknowledged, those issued since, the forks seen); answers are
    // kept until a time of their own (offline ones for longer than any completion window).
    r#"
    ALTER TABLE products ADD COLUMN offline_request_days INTEGER NOT NULL DEFAULT 14;
    ALTER TABLE products ADD COLUMN clone_policy TEXT NOT NULL DEFAULT 'Refuse'
        CHECK (clone_policy IN ('Refuse', 'Flag'));
    ALTER TABLE activations ADD COLUMN components TEXT;
    ALTER TABLE activations ADD COLUMN acked_serial INTEGER;
    ALTER TABLE activations ADD COLUMN issued_serials TEXT NOT NULL DEFAULT '';
    ALTER TABLE activations ADD COLUMN forks INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE activations ADD COLUMN last_fork INTEGER;
    ALTER TABLE trials ADD COLUMN components TEXT;
    ALTER TABLE trials ADD COLUMN acked_serial INTEGER;
    ALTER TABLE trials ADD COLUMN issued_serials TEXT NOT NULL DEFAULT '';
    ALTER TABLE trials ADD COLUMN forks INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE trials ADD COLUMN last_fork INTEGER;
    ALTER TABLE client_answers ADD COLUMN keep_until INTEGER NOT NULL DEFAULT 0;
    UPDATE client_answers SET keep_until = created + 604800000;
    DROP INDEX client_answers_created;
    CREATE INDEX client_answers_keep_until ON client_answers (keep_until);
    "#,
    // 6: the audit trail of vendor changes (who by key kind and prefix, from where, what).
    // Append only: nothing updates or deletes a row.
    r#"
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        time INTEGER NOT NULL,
        key_kind TEXT NOT NULL,
        key_prefix TEXT NOT NULL,
        address TEXT NOT NULL,
        method TEXT NOT NULL,
        controller TEXT NOT NULL,
        product_id TEXT NOT NULL,
        license_code TEXT NOT NULL,
        fields TEXT NOT NULL
    );
    "#,
    // 7: the order GET LicenseCodes lists a product's codes in (created, then rowid, which
    // every SQLite index ends with), so a page is read off the index instead of sorting every
    // code of the product first.
    r#"
    CREATE INDEX license_codes_listing ON license_codes (product_id, created);
    "#,
    // 8: network licensing: which activations are LAN daemons (holding the code's network
    // master license), and the seats each last reported serving: one report per activation,
    // replaced at each refresh, gone with the activation or when it gives its seat back.
    r#"
    ALTER TABLE activations ADD COLUMN lan_daemon INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE lan_reports (
        activation_id INTEGER PRIMARY KEY REFERENCES activations(id) ON DELETE CASCADE,
        reported INTEGER NOT NULL
    );
    CREATE TABLE lan_seats (
        activation_id INTEGER NOT NULL REFERENCES lan_reports(activation_id) ON DELETE CASCADE,
        seat_id TEXT NOT NULL,
        computer_id TEXT NOT NULL,
        hostname TEXT NOT NULL,
        username TEXT NOT NULL,
        since INTEGER NOT NULL,
        expires INTEGER NOT NULL,
        borrowed INTEGER NOT NULL,
        PRIMARY KEY (activation_id, seat_id)
    );
    "#,
    // 9: groups of users and account-based licensing: groups (a master group holds standard
    // groups), their users (an Argon2id hash of the password, never the password, and the
    // record of consecutive failed logins behind the back-off and the lock), and the license
    // codes assigned to groups (a code to one group at most).
    r#"
    CREATE TABLE user_groups (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        group_type TEXT NOT NULL CHECK (group_type IN ('Master', 'Standard')),
        master_group_id INTEGER REFERENCES user_groups(id),
        description TEXT NOT NULL,
        company_id INTEGER REFERENCES companies(id) ON DELETE SET NULL,
        created INTEGER NOT NULL,
        modified INTEGER NOT NULL
    );
    CREATE INDEX user_groups_master ON user_groups (master_group_id);
    CREATE TABLE group_users (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES user_groups(id),
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        email TEXT NOT NULL,
        telephone TEXT NOT NULL,
        additional_data TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        last_failed_login INTEGER,
        locked_until INTEGER,
        created INTEGER NOT NULL,
        modified INTEGER NOT NULL
    );
    CREATE INDEX group_users_group ON group_users (group_id);
    CREATE TABLE group_license_codes (
        code TEXT PRIMARY KEY REFERENCES license_codes(code) ON DELETE CASCADE,
        group_id INTEGER NOT NULL REFERENCES user_groups(id),
        computers_per_user INTEGER NOT NULL DEFAULT 1,
        created INTEGER NOT NULL
    );
    CREATE INDEX group_license_codes_group ON group_license_codes (group_id, created);
    "#,
    // 10: usage events, from DataStreamer and from clients' queues, and the offline usage journals. A client's event is kept
    // once per (product, computer, event ID): a batch sent again adds nothing. The product
    // is '' for a DataStreamer event that names none.
    r#"
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        name TEXT NOT NULL,
        payload TEXT NOT NULL,
        source TEXT NOT NULL,
        computer_id TEXT NOT NULL,
        license_code TEXT NOT NULL,
        occurred INTEGER NOT NULL,
        received INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX events_once ON events (product_id, computer_id, event_id);
    CREATE INDEX events_by_time ON events (product_id, occurred);
    -- Where each computer's offline usage journal was last counted (protocol::journal).
    CREATE TABLE usage_journals (
        product_id TEXT NOT NULL,
        computer_id TEXT NOT NULL,
        chain TEXT NOT NULL,
        seq INTEGER NOT NULL,
        link TEXT NOT NULL,
        updated INTEGER NOT NULL,
        PRIMARY KEY (product_id, computer_id, chain)
    );
    "#,
    // 11: the dashboard's sessions (store::dashboard): the SHA-256 of the cookie's session ID,
    // the key signed in with by its hash, kind and first characters, the form token, and the
    // message of the last change, shown once; the newest codes' index; and each activation's last
    // contact.
    r#"
    CREATE TABLE dashboard_sessions (
        id_hash BLOB PRIMARY KEY,
        key_hash BLOB NOT NULL,
        key_kind TEXT NOT NULL,
        key_prefix TEXT NOT NULL,
        csrf TEXT NOT NULL,
        flash TEXT NOT NULL,
        created INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    );
    CREATE INDEX dashboard_sessions_seen ON dashboard_sessions (last_seen);
    -- The code list's first page, newest first, across products.
    CREATE INDEX license_codes_newest ON license_codes (created, code);
    -- When each activation's client was last heard from (its activation or latest refresh).
    ALTER TABLE activations ADD COLUMN last_contact INTEGER;
    "#,
];

/// The schema version this binary writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`LATEST`]. Each step re-reads the version inside its own
/// immediate transaction, so two processes starting at once apply each migration once.
pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current > LATEST {
            return Err(StoreError::Internal(format!(
                "the database has schema version {current}, newer than this server's {LATEST}; upgrade the server"
            )));
        }
        if current == LATEST {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[current as usize])?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_a_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, LATEST);
        conn.pragma_update(None, "user_version", LATEST + 1).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Internal(m)) if m.contains("newer")));
    }
}
