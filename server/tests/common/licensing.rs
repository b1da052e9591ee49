//! Vendor-side setup through the Web API and licensekit clients pointed at the server.

use std::path::Path;
use std::time::Duration;

use licensekit::{Client, Config};
use serde_json::{Value, json};

use super::{Server, created_id};

/// Creates a product (the body's fields over a default name) and returns its ID.
pub fn product(server: &Server, body: Value) -> String {
    let mut fields = json!({"productname": format!("Product {}", unique())});
    fields.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
    created_id(&server.ok("POST", "Product", &fields))
}

/// Allocates one code in the product and applies `settings` with PUT LicenseCode.
pub fn code(server: &Server, product: &str, settings: Value) -> String {
    let code = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 1})));
    update_code(server, product, &code, settings);
    code
}

/// PUT LicenseCode with the given fields.
pub fn update_code(server: &Server, product: &str, code: &str, settings: Value) {
    let mut fields = json!({"productid": product, "licensecode": code});
    fields.as_object_mut().unwrap().extend(settings.as_object().unwrap().clone());
    if fields.as_object().unwrap().len() > 2 {
        server.ok("PUT", "LicenseCode", &fields);
    }
}

/// A client of `product` on a computer of its own (simulated under `store`), with its store
/// in `store`: two stores are two computers.
pub fn client(server: &Server, product: &str, store: &Path) -> Client {
    let mut config = Config::new(product).unwrap();
    config.add_public_key(&server.public_key).unwrap();
    config.set_store_dir(store).unwrap();
    config.set_machine_root(store.join("computer")).unwrap();
    config.set_server_url(&server.base).unwrap();
    config.set_timeout(Duration::from_secs(20)).unwrap();
    config.set_app_version("2.1", "57", "ENT").unwrap();
    Client::new(config).unwrap()
}

/// A client of `product` at `base` trusting the vendor public keys `keys` (hex), on the
/// computer simulated under `store`: across a key rotation, the application before its
/// update (the old key) and after it (both keys).
pub fn client_trusting(base: &str, product: &str, store: &Path, keys: &[&str]) -> Client {
    let mut config = Config::new(product).unwrap();
    for key in keys {
        config.add_public_key(key).unwrap();
    }
    config.set_store_dir(store).unwrap();
    config.set_machine_root(store.join("computer")).unwrap();
    config.set_server_url(base).unwrap();
    config.set_timeout(Duration::from_secs(20)).unwrap();
    Client::new(config).unwrap()
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Unix seconds now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}
