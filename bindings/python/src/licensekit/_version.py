"""The licensekit version this package was made for (checked against Cargo.toml at build
time and against the native library's ``lk_version()`` at load time)."""

__version__ = "0.1.0"
