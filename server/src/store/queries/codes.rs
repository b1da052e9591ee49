//! License codes: allocation (generated or imported), reads with their features, UDFs,
//! notes and server functions, updates, and hand-out through `NextLicenseCode`.

use super::db;
use super::db::Value;
use super::db::{Connection, OptionalExtension, params};

use super::licensing::{self, Owner, SETTINGS_COLUMNS};
use super::{Where, companies, product_must_exist, products, profiles};
use crate::datetime::now_millis;
use crate::random;
use crate::store::model::*;
use crate::store::{StoreError, StoreResult};

/// The codes with what a filter may name (`lc`, `c`, `p`, see [`filter_sql`]).
const CODES_FROM: &str = "license_codes lc LEFT JOIN companies c ON c.id = lc.company_id LEFT JOIN profiles p ON p.id = lc.profile_id";

/// The columns of a code and what it is joined with; built once (a read runs it per request).
fn select() -> &'static str {
    static SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let settings: Vec<String> = SETTINGS_COLUMNS.split(", ").map(|c| format!("lc.{c}")).collect();
        format!(
            "SELECT lc.code, lc.product_id, coalesce(c.name, ''), coalesce(lc.company_id, 0), p.name,
                    lc.subscription_last_activated, lc.created, lc.modified,
                    (SELECT count(*) FROM activations a WHERE a.code = lc.code AND a.status = 'Activated'),
                    (SELECT count(*) FROM activations a WHERE a.code = lc.code AND a.status = 'Deactivated'),
                    {}
             FROM {CODES_FROM}",
            settings.join(", ")
        )
    });
    &SELECT
}

fn read(row: &db::Row<'_>) -> db::Result<LicenseCode> {
    Ok(LicenseCode {
        code: row.get(0)?,
        product_id: row.get(1)?,
        company: row.get(2)?,
        company_id: row.get(3)?,
        profile_name: row.get(4)?,
        subscription_last_activated: row.get(5)?,
        created: row.get(6)?,
        modified: row.get(7)?,
        num_activations: row.get(8)?,
        num_deactivations: row.get(9)?,
        settings: licensing::read_settings(row, 10)?,
        features: Vec::new(),
        udfs: Vec::new(),
        notes: Vec::new(),
        server_functions: Vec::new(),
    })
}

/// Fills the codes' features, UDFs and server functions (one statement for all of them, see
/// [`licensing::extras`]) and, when asked, their notes.
fn fill(conn: &Connection, codes: &mut [LicenseCode], with_notes: bool) -> StoreResult<()> {
    let owners: Vec<Owner<'_>> = codes.iter().map(|c| Owner::Code(&c.code)).collect();
    let extras = licensing::extras(conn, &owners)?;
    for (code, extras) in codes.iter_mut().zip(extras) {
        code.features = extras.features;
        code.udfs = extras.udfs;
        code.server_functions = extras.server_functions;
        if with_notes {
            code.notes = notes(conn, &code.code)?;
        }
    }
    Ok(())
}

/// `NotFound` unless the product exists and the code belongs to it.
pub fn must_exist(conn: &Connection, product_id: &str, code: &str) -> StoreResult<()> {
    product_must_exist(conn, product_id)?;
    let found = conn
        .prepare_cached("SELECT 1 FROM license_codes WHERE code = ?1 AND product_id = ?2")?
        .exists([code, product_id])?;
    if found {
        Ok(())
    } else {
        Err(StoreError::NotFound(format!(
            "licensecode: license code {code} not found in product {product_id}"
        )))
    }
}

pub fn find(
    conn: &Connection,
    code: &str,
    product_id: Option<&str>,
    with_notes: bool,
) -> StoreResult<Vec<LicenseCode>> {
    static BY_CODE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{} WHERE lc.code = ?1 AND (?2 IS NULL OR lc.product_id = ?2)", select())
    });
    let mut found: Vec<LicenseCode> = conn
        .prepare_cached(&BY_CODE)?
        .query_map(params![code, product_id], read)?
        .collect::<Result<_, _>>()?;
    if found.is_empty() {
        // Which of the two is missing, the product or its code, only once nothing was found.
        if let Some(product_id) = product_id {
            must_exist(conn, product_id, code)?;
        }
        return Err(StoreError::NotFound(format!("licensecode: license code {code} not found")));
    }
    fill(conn, &mut found, with_notes)?;
    Ok(found)
}

/// The WHERE clause and values of a code filter.
fn filter_sql(filter: &CodeFilter) -> (String, Vec<Value>) {
    let mut w = Where::default();
    if let Some(product) = &filter.product_id {
        w.bind("lc.product_id = ?", product.clone());
    }
    if let Some(company) = &filter.company {
        w.bind("c.name = ?", company.clone());
    }
    if let Some(company_id) = filter.company_id {
        w.bind("coalesce(lc.company_id, 0) = ?", company_id);
    }
    match &filter.profile_name {
        Some(name) if name.eq_ignore_ascii_case("default") => w.raw("lc.profile_id IS NULL"),
        Some(name) => w.bind("p.name = ?", name.clone()),
        None => {}
    }
    if let Some(acquired) = filter.acquired_by_webservice {
        w.bind("lc.acquired_by_webservice = ?", acquired);
    }
    let exists = |negate: bool, extra: &str| {
        format!(
            "{}EXISTS (SELECT 1 FROM activations a WHERE a.code = lc.code{extra})",
            if negate { "NOT " } else { "" }
        )
    };
    if let Some(used) = filter.used {
        w.raw(exists(!used, ""));
    }
    if let Some(activated) = filter.activated {
        w.raw(exists(!activated, " AND a.status = 'Activated'"));
    }
    if let Some(after) = &filter.after_code {
        // The listing order, as a range on its index (row values, in both engines).
        w.bind(
            "(lc.created, lc.rowid) > (SELECT seek.created, seek.rowid FROM license_codes seek WHERE seek.code = ?)",
            after.clone(),
        );
    }
    w.finish()
}

/// `NotFound` for an `afterlicensecode` that names no code (whose range would be empty).
fn after_must_exist(conn: &Connection, filter: &CodeFilter) -> StoreResult<()> {
    let Some(after) = &filter.after_code else { return Ok(()) };
    if conn.prepare_cached("SELECT 1 FROM license_codes WHERE code = ?1")?.exists([after])? {
        Ok(())
    } else {
        Err(StoreError::NotFound(format!("afterlicensecode: license code {after} not found")))
    }
}

pub fn count(conn: &Connection, filter: &CodeFilter) -> StoreResult<i64> {
    after_must_exist(conn, filter)?;
    let (condition, values) = filter_sql(filter);
    let sql = format!("SELECT count(*) FROM {CODES_FROM} WHERE {condition}");
    Ok(conn.prepare_cached(&sql)?.query_row(db::params_from_iter(values), |r| r.get(0))?)
}

pub fn page(conn: &Connection, filter: &CodeFilter, page: Page) -> StoreResult<Vec<LicenseCode>> {
    after_must_exist(conn, filter)?;
    let (condition, mut values) = filter_sql(filter);
    let n = values.len();
    values.push(Value::Integer(page.size));
    values.push(Value::Integer(page.offset()));
    // The page's codes are picked first, on the listing index alone; the columns (counts of
    // activations among them) are computed for those only. PostgreSQL computes a query's
    // columns below its OFFSET, so one query did that for every code skipped.
    let sql = format!(
        "{} WHERE lc.code IN (SELECT lc.code FROM {CODES_FROM} WHERE {condition}
                              ORDER BY lc.created, lc.rowid LIMIT ?{} OFFSET ?{})
         ORDER BY lc.created, lc.rowid",
        select(),
        n + 1,
        n + 2
    );
    let mut codes: Vec<LicenseCode> = conn
        .prepare_cached(&sql)?
        .query_map(db::params_from_iter(values), read)?
        .collect::<Result<_, _>>()?;
    fill(conn, &mut codes, false)?;
    Ok(codes)
}

/// A company ID from a request: 0 = none; otherwise it must be visible to the product.
fn resolve_company(conn: &Connection, product_id: &str, company_id: i64) -> StoreResult<Option<i64>> {
    if company_id == 0 {
        return Ok(None);
    }
    companies::by_id(conn, company_id, Some(product_id))?;
    Ok(Some(company_id))
}

/// A profile name from a request: `None` or `default` = no profile.
fn resolve_profile(conn: &Connection, product_id: &str, name: Option<&str>) -> StoreResult<Option<i64>> {
    match name {
        None => Ok(None),
        Some(n) if n.eq_ignore_ascii_case("default") => Ok(None),
        Some(n) => profiles::id(conn, product_id, n).map(Some),
    }
}

pub fn create(conn: &Connection, request: &NewCodes) -> StoreResult<Vec<String>> {
    let product = products::load(conn, &request.product_id)?;
    let company = resolve_company(conn, &product.id, request.company_id)?;
    let profile = resolve_profile(conn, &product.id, request.profile_name.as_deref())?;
    // A code allocated without a profile takes the product's settings.
    let settings = Settings {
        enabled_for_use: true,
        license_type: product.license_type,
        clients_allowed: product.clients_allowed,
        client_lease_period: product.client_lease_period,
        vm_lease_period: product.vm_lease_period,
        client_offline_lease_period: product.client_offline_lease_period,
        subscription_period: product.subscription_period,
        subscription_end: product.subscription_end,
        ..Settings::profile_defaults()
    };
    let placeholders: Vec<String> = (7..21).map(|i| format!("?{i}")).collect();
    let insert = format!(
        "INSERT INTO license_codes (code, product_id, company_id, profile_id, reference, created, modified, {SETTINGS_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, {}) ON CONFLICT DO NOTHING",
        placeholders.join(", ")
    );
    let now = now_millis();
    let insert_one = |code: &str| -> StoreResult<bool> {
        let mut values: Vec<Value> = vec![
            code.to_owned().into(),
            product.id.clone().into(),
            company.map_or(Value::Null, Value::Integer),
            profile.map_or(Value::Null, Value::Integer),
            request.reference.clone().into(),
            now.into(),
        ];
        values.extend(licensing::settings_values(&settings));
        let inserted = conn.prepare_cached(&insert)?.execute(db::params_from_iter(values))? == 1;
        if inserted && let Some(profile) = profile {
            licensing::copy_profile_to_code(conn, profile, code)?;
        }
        Ok(inserted)
    };
    match &request.source {
        CodeSource::Generate(count) => {
            let mut made = Vec::new();
            while (made.len() as i64) < *count {
                let code = random::license_code();
                if insert_one(&code)? {
                    made.push(code);
                }
            }
            Ok(made)
        }
        CodeSource::Import(codes) => {
            for code in codes {
                if !insert_one(code)? {
                    return Err(StoreError::Conflict(format!(
                        "licensecodes: license code {code} already exists"
                    )));
                }
            }
            Ok(Vec::new())
        }
    }
}

pub fn update(conn: &Connection, product_id: &str, code: &str, change: &CodeChange) -> StoreResult<()> {
    must_exist(conn, product_id, code)?;
    let mut profile_id: Option<i64> = conn
        .prepare_cached("SELECT profile_id FROM license_codes WHERE code = ?1")?
        .query_row([code], |r| r.get(0))?;
    if let Some(profile) = &change.profile {
        profile_id = resolve_profile(conn, product_id, profile.as_deref())?;
        conn.execute("UPDATE license_codes SET profile_id = ?2 WHERE code = ?1", params![code, profile_id])?;
    }
    if change.inherit_profile {
        let profile_id = profile_id.ok_or_else(|| {
            StoreError::Invalid(format!("inheritprofile: license code {code} has no profile to inherit from"))
        })?;
        licensing::copy_profile_to_code(conn, profile_id, code)?;
    }
    let current = conn
        .prepare_cached(&format!("SELECT {SETTINGS_COLUMNS} FROM license_codes WHERE code = ?1"))?
        .query_row([code], |r| licensing::read_settings(r, 0))?;
    let settings = current.apply(&change.settings, false).map_err(StoreError::Invalid)?;
    licensing::write_settings(conn, Owner::Code(code), &settings)?;
    if let Some(company_id) = change.company_id {
        let company = resolve_company(conn, product_id, company_id)?;
        conn.execute("UPDATE license_codes SET company_id = ?2 WHERE code = ?1", params![code, company])?;
    }
    if let Some(reference) = &change.reference {
        conn.execute("UPDATE license_codes SET reference = ?2 WHERE code = ?1", params![code, reference])?;
    }
    licensing::apply_extras(conn, Owner::Code(code), product_id, &change.extras)?;
    // The seed's order: delete all, then delete by ID (moot after a delete-all), then add.
    if change.notes.delete_all {
        conn.execute("DELETE FROM license_notes WHERE code = ?1", [code])?;
    }
    let deletes = if change.notes.delete_all { &[][..] } else { &change.notes.delete[..] };
    for id in deletes {
        if conn.execute("DELETE FROM license_notes WHERE code = ?1 AND id = ?2", params![code, id])? == 0 {
            return Err(StoreError::NotFound(format!("notes: note {id} not found for license code {code}")));
        }
    }
    for (note_type, description) in &change.notes.add {
        add_note(conn, code, note_type, description)?;
    }
    Ok(())
}

/// The network seats of a network master license whose request and profile set none.
const DEFAULT_NETWORK_SEATS: i64 = 1;

/// Creates a network master license: one generated code, assigned as `POST LicenseCode`
/// assigns it (product or profile settings, company, reference), then set up as `PUT
/// LicenseCode` sets one up (the same settings rules), in concurrency mode Network. Its
/// network seats are the request's, else the profile's, else [`DEFAULT_NETWORK_SEATS`]: a
/// master license always serves at least one seat.
pub fn create_network_master(conn: &Connection, request: &NewNetworkMaster) -> StoreResult<String> {
    let codes = NewCodes {
        product_id: request.product_id.clone(),
        company_id: request.company_id,
        profile_name: request.profile_name.clone(),
        reference: request.reference.clone(),
        source: CodeSource::Generate(1),
    };
    let code = create(conn, &codes)?
        .pop()
        .ok_or_else(|| StoreError::Internal("a network master license's code was not generated".into()))?;
    let mut settings = request.settings.clone();
    settings.concurrency_mode = Some(ConcurrencyMode::Network);
    if settings.network_seats.is_none() {
        let profile_seats: i64 = conn
            .prepare_cached("SELECT network_seats FROM license_codes WHERE code = ?1")?
            .query_row([&code], |r| r.get(0))?;
        if profile_seats < 1 {
            settings.network_seats = Some(DEFAULT_NETWORK_SEATS);
        }
    }
    let change = CodeChange { settings, extras: request.extras.clone(), ..CodeChange::default() };
    update(conn, &request.product_id, &code, &change)?;
    Ok(code)
}

pub fn next(
    conn: &Connection,
    product_id: &str,
    profile: Option<&str>,
    amount: i64,
) -> StoreResult<Vec<String>> {
    product_must_exist(conn, product_id)?;
    let profile_id = resolve_profile(conn, product_id, profile)?;
    let codes: Vec<String> = conn
        .prepare_cached(
            "SELECT code FROM license_codes lc WHERE product_id = ?1 AND profile_id IS NOT DISTINCT FROM ?2 AND acquired_by_webservice = 0
             AND NOT EXISTS (SELECT 1 FROM activations a WHERE a.code = lc.code) ORDER BY created, rowid LIMIT ?3",
        )?
        .query_map(params![product_id, profile_id, amount], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let now = now_millis();
    for code in &codes {
        conn.prepare_cached(
            "UPDATE license_codes SET acquired_by_webservice = 1, modified = ?2 WHERE code = ?1",
        )?
        .execute(params![code, now])?;
    }
    Ok(codes)
}

pub fn notes(conn: &Connection, code: &str) -> StoreResult<Vec<Note>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, note_type, created, created_by, description FROM license_notes WHERE code = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([code], |r| {
        Ok(Note {
            id: r.get(0)?,
            note_type: r.get(1)?,
            created: r.get(2)?,
            created_by: r.get(3)?,
            description: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Adds a note made through the Web API (so `createdBy` is blank, as the seed says).
pub fn add_note(conn: &Connection, code: &str, note_type: &str, description: &str) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO license_notes (code, note_type, created, created_by, description)
             VALUES (?1, ?2, ?3, '', ?4) RETURNING id",
        )?
        .query_row(params![code, note_type, now_millis(), description], |r| r.get(0))?)
}

pub fn update_note(
    conn: &Connection,
    product_id: &str,
    code: &str,
    id: i64,
    note_type: Option<&str>,
    description: Option<&str>,
) -> StoreResult<()> {
    must_exist(conn, product_id, code)?;
    let found: Option<i64> = conn
        .prepare_cached("SELECT id FROM license_notes WHERE id = ?1 AND code = ?2")?
        .query_row(params![id, code], |r| r.get(0))
        .optional()?;
    if found.is_none() {
        return Err(StoreError::NotFound(format!("noteid: note {id} not found for license code {code}")));
    }
    if let Some(note_type) = note_type {
        conn.execute("UPDATE license_notes SET note_type = ?2 WHERE id = ?1", params![id, note_type])?;
    }
    if let Some(description) = description {
        conn.execute("UPDATE license_notes SET description = ?2 WHERE id = ?1", params![id, description])?;
    }
    Ok(())
}

pub fn delete_notes(conn: &Connection, product_id: &str, code: &str, id: Option<i64>) -> StoreResult<i64> {
    must_exist(conn, product_id, code)?;
    let deleted = match id {
        Some(id) => {
            let n =
                conn.execute("DELETE FROM license_notes WHERE id = ?1 AND code = ?2", params![id, code])?;
            if n == 0 {
                return Err(StoreError::NotFound(format!(
                    "noteid: note {id} not found for license code {code}"
                )));
            }
            n
        }
        None => conn.execute("DELETE FROM license_notes WHERE code = ?1", [code])?,
    };
    Ok(deleted as i64)
}
