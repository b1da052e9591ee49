//! Generates `include/licensekit.h` with cbindgen, and the status table (`ALL`, names,
//! messages) from the one definition of `Status` in `src/status.rs`.
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

/// `LK_` and the variant in capitals with underscores, as cbindgen's
/// `QualifiedScreamingSnakeCase` writes it (after `LK_STATUS_` is shortened to `LK_`).
fn constant_name(variant: &str) -> String {
    let mut name = String::from("LK_");
    for (i, c) in variant.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

/// A doc comment's first line as a message: without its full stop, and starting in lower case
/// (`no trusted vendor public key is configured`) unless it starts with an acronym (`VM`).
fn message_of(doc: &str) -> String {
    let text = doc.trim().trim_end_matches('.');
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_ascii_uppercase() => {
            format!("{}{}", first.to_ascii_lowercase(), &text[first.len_utf8()..])
        }
        _ => text.to_owned(),
    }
}

/// Reads the variants of `enum Status` (the first doc line of each is its message) and
/// writes `impl Status { ALL, describe }` to `$OUT_DIR/status_table.rs`.
fn status_table(crate_dir: &str) {
    let source = std::fs::read_to_string(Path::new(crate_dir).join("src/status.rs")).expect("src/status.rs");
    let body = source
        .split_once("pub enum Status {")
        .and_then(|(_, rest)| rest.split_once("\n}"))
        .expect("src/status.rs defines pub enum Status { ... }")
        .0;
    let mut variants: Vec<(String, String)> = Vec::new();
    let mut message: Option<String> = None;
    for line in body.lines().map(str::trim) {
        if let Some(doc) = line.strip_prefix("///") {
            message.get_or_insert_with(|| message_of(doc));
        } else if let Some((name, _number)) = line.trim_end_matches(',').split_once(" = ") {
            let message = message.take().unwrap_or_else(|| panic!("Status::{name} has no doc comment"));
            assert!(!message.contains(['"', '\\']), "Status::{name}: quotes in its message");
            variants.push((name.to_owned(), message));
        }
    }
    let mut out = String::from(
        "impl Status {\n    /// Every status, in declaration (numeric) order.\n    pub const ALL: &'static [Status] = &[\n",
    );
    for (name, _) in &variants {
        out.push_str(&format!("        Status::{name},\n"));
    }
    out.push_str("    ];\n\n    /// The constant's name as in the C header, and its message.\n    fn describe(self) -> (&'static CStr, &'static CStr) {\n        match self {\n");
    for (name, message) in &variants {
        out.push_str(&format!(
            "            Status::{name} => (c\"{}\", c\"{message}\"),\n",
            constant_name(name)
        ));
    }
    out.push_str("        }\n    }\n}\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("status_table.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}

/// A Windows version resource (product name, version from Cargo.toml) linked into the DLL
/// only, compiled by the mingw-w64 `windres` (`$WINDRES`, else `<target prefix>-windres`). A
/// toolchain without it still builds, with a warning; `scripts/build-windows` checks the DLL.
fn windows_version_resource() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "windows" || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    println!("cargo:rerun-if-env-changed=WINDRES");
    let windres = std::env::var("WINDRES")
        .unwrap_or_else(|_| format!("{}-w64-mingw32-windres", var("CARGO_CFG_TARGET_ARCH")));
    let number = |k: &str| var(k).parse::<u16>().unwrap_or(0);
    let (major, minor, patch) = (
        number("CARGO_PKG_VERSION_MAJOR"),
        number("CARGO_PKG_VERSION_MINOR"),
        number("CARGO_PKG_VERSION_PATCH"),
    );
    let text = |s: String| s.replace('"', "\"\"");
    let rc = format!(
        r#"1 VERSIONINFO
FILEVERSION {major},{minor},{patch},0
PRODUCTVERSION {major},{minor},{patch},0
FILEOS 0x40004
FILETYPE 2
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "ProductName", "licensekit"
      VALUE "FileDescription", "{description}"
      VALUE "FileVersion", "{version}"
      VALUE "ProductVersion", "{version}"
      VALUE "InternalName", "licensekit"
      VALUE "OriginalFilename", "licensekit.dll"
      VALUE "LegalCopyright", "{license}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
"#,
        description = text(var("CARGO_PKG_DESCRIPTION")),
        version = text(var("CARGO_PKG_VERSION")),
        license = text(var("CARGO_PKG_LICENSE")),
    );
    let out = std::path::PathBuf::from(var("OUT_DIR"));
    std::fs::write(out.join("version.rc"), rc).expect("OUT_DIR is writable");
    let object = out.join("version.o");
    match std::process::Command::new(&windres)
        .arg("--input-format=rc")
        .arg("--output-format=coff")
        .arg("-i")
        .arg(out.join("version.rc"))
        .arg("-o")
        .arg(&object)
        .status()
    {
        Ok(status) if status.success() => println!("cargo:rustc-link-arg-cdylib={}", object.display()),
        Ok(status) => println!("cargo:warning={windres} failed ({status}): the DLL has no version resource"),
        Err(e) => println!("cargo:warning={windres}: {e}: the DLL has no version resource"),
    }
}

/// The Linux shared library's SONAME, `liblicensekit.so.<major>`, so programs linked against
/// it load any later compatible build, and `scripts/install` can lay out the usual chain
/// (`liblicensekit.so` -> `liblicensekit.so.0` -> `liblicensekit.so.0.X.Y`).
///
/// A program linked with `-Ltarget/release -llicensekit` records the SONAME, not the file name,
/// so the dynamic loader looks for `liblicensekit.so.0` in its rpath: the link
/// `liblicensekit.so.0 -> liblicensekit.so` is made beside the cargo output (the profile
/// directory, three levels above `OUT_DIR`), keeping `target/release` usable as it is. The
/// link dangles until rustc has written the library, moments after this script.
fn linux_soname() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux" {
        return;
    }
    let soname = format!("liblicensekit.so.{}", var("CARGO_PKG_VERSION_MAJOR"));
    println!("cargo:rustc-link-arg-cdylib=-Wl,-soname,{soname}");
    // Symbolic links need a Unix host (a Windows host cross-building for Linux goes without).
    #[cfg(unix)]
    link_soname(&std::path::PathBuf::from(var("OUT_DIR")), &soname);
}

/// Packs the glibc shared library's relative relocations (`-z pack-relative-relocs`, DT_RELR):
/// the 6,500 or so that vtables, string slices and panic locations need take a bitmap instead
/// of 24 bytes each in `.rela.dyn`, about 170 KB of the stripped library's 3 MB.
///
/// The glibc that loads the library must know DT_RELR (2.36 and later): the linker records
/// `GLIBC_ABI_DT_RELR` as a needed version, so an older glibc refuses the library by name
/// rather than running it unrelocated. Only the native link with cargo's default linker packs
/// them: where a linker is configured for the target, as cargo-zigbuild's zig for the glibc
/// 2.17 floor (`scripts/build-platforms glibc`) or a cross linker, cargo sets `RUSTC_LINKER`
/// and the library keeps its plain relocations.
fn linux_packed_relocations() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    if var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && var("RUSTC_LINKER").is_empty()
    {
        println!("cargo:rustc-link-arg-cdylib=-Wl,-z,pack-relative-relocs");
    }
}

/// Links `<profile dir>/<soname>` to `liblicensekit.so` (see `linux_soname`).
#[cfg(unix)]
fn link_soname(out: &Path, soname: &str) {
    let Some(profile_dir) = out.ancestors().nth(3) else { return };
    let link = profile_dir.join(soname);
    if std::fs::read_link(&link).is_ok_and(|target| target == Path::new("liblicensekit.so")) {
        return;
    }
    let _ = std::fs::remove_file(&link);
    if let Err(e) = std::os::unix::fs::symlink("liblicensekit.so", &link) {
        println!("cargo:warning={}: {e}: link it to liblicensekit.so by hand", link.display());
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    status_table(&crate_dir);
    windows_version_resource();
    linux_soname();
    linux_packed_relocations();
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
        .replace("LK_LOG_LEVEL_", "LK_LOG_")
        .replace("#include <stdbool.h>\n", &version_macros())
        .into_bytes();
    let header = Path::new(&crate_dir).join("include/licensekit.h");
    if std::fs::read(&header).ok().as_deref() != Some(generated.as_slice()) {
        std::fs::create_dir_all(header.parent().expect("has a parent")).expect("include/ is writable");
        std::fs::write(&header, generated).expect("include/licensekit.h is writable");
    }
}
