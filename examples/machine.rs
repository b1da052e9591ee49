//! What licensekit sees of this computer.
//!
//! `cargo run --example machine [PRODUCT_ID]` prints the computer ID for a product, the salted
//! component digests behind it, the VM/container verdict with its evidence, and the system
//! details a license server receives.

use licensekit::machine::{Fingerprint, SysRoot, SystemDetails, detect_virtualization};

fn main() {
    let product = std::env::args().nth(1).unwrap_or_else(|| "6872450105".to_owned());
    let root = SysRoot::host();
    let virtualization = detect_virtualization(&root);
    let fingerprint = match Fingerprint::compute(&product, &root, &virtualization) {
        Ok(f) => f,
        Err(status) => {
            eprintln!("cannot compute the computer ID for {product:?}: {status}");
            std::process::exit(1);
        }
    };
    println!("licensekit {}\n", env!("CARGO_PKG_VERSION"));
    println!("Computer ID for product {product}: {}", fingerprint.computer_id);
    println!("  anchored by: {:?} (machine-wide: {})", fingerprint.anchor, root.machine_dir().display());
    println!("  components (salted per product; raw values never leave the process):");
    for c in &fingerprint.components {
        println!("    {:<20} {}", c.name, c.digest);
    }
    let other = Fingerprint::compute("0000000001", &root, &virtualization);
    if let Ok(other) = other {
        println!("  the same computer for product 0000000001: {}", other.computer_id);
    }
    println!("\nPlatform: {}", virtualization.platform);
    if let Some(hypervisor) = virtualization.hypervisor.filter(|h| *h != virtualization.platform) {
        println!("  on hypervisor: {hypervisor}");
    }
    for fact in &virtualization.evidence {
        println!("  evidence: {fact}");
    }
    let details = SystemDetails::gather();
    println!("\nSystem details (as sent to the server):");
    let json: serde_json::Value = serde_json::from_str(&details.to_json()).unwrap_or_default();
    println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
}
