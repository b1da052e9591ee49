//! Generates `include/licensekit.h` with cbindgen.
//!
//! The header is committed. It is written only when its content changed, so a clean checkout
//! builds without touching sources (cargo's package check requires that), and CI regenerates
//! it and fails on any difference.

use std::path::Path;

/// `LK_VERSION_*` macros from Cargo.toml, so C code can check what it compiled against.
fn version_macros() -> String {
    let var = |k: &str| std::env::var(k).expect("cargo sets the package version");
    format!(
        "#include <stdbool.h>\n\n/** The licensekit version this header belongs to (`lk_version()` returns the library's). */\n#define LK_VERSION \"{}\"\n#define LK_VERSION_MAJOR {}\n#define LK_VERSION_MINOR {}\n#define LK_VERSION_PATCH {}\n",
        var("CARGO_PKG_VERSION"),
        var("CARGO_PKG_VERSION_MAJOR"),
        var("CARGO_PKG_VERSION_MINOR"),
        var("CARGO_PKG_VERSION_PATCH")
    )
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(Path::new(&crate_dir).join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    let bindings = match cbindgen::generate_with_config(&crate_dir, config) {
        Ok(b) => b,
        Err(e) => {
            // A syntax error in src/ is reported by rustc with a better message; keep the
            // existing header and let the compiler speak.
            println!("cargo:warning=cbindgen could not generate the header: {e}");
            return;
        }
    };
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    // cbindgen can only prefix variants with the whole type name (LK_STATUS_OK); the C API's
    // constants are LK_OK, LK_NOT_ACTIVATED, ... (see the status module).
    let generated = String::from_utf8(generated)
        .expect("cbindgen writes UTF-8")
        .replace("LK_STATUS_", "LK_")
        .replace("LK_EXPIRY_KIND_", "LK_EXPIRY_")
        .replace("#include <stdbool.h>\n", &version_macros())
        .into_bytes();
    let header = Path::new(&crate_dir).join("include/licensekit.h");
    if std::fs::read(&header).ok().as_deref() != Some(generated.as_slice()) {
        std::fs::create_dir_all(header.parent().expect("has a parent")).expect("include/ is writable");
        std::fs::write(&header, generated).expect("include/licensekit.h is writable");
    }
}
