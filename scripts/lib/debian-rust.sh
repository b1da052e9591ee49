#!/usr/bin/env bash
# Debian's Rust 1.96 (rustc-web, cargo-web and the standard library's sources), unpacked into a
# cache folder outside the repository, for what rustup's toolchains here cannot do: build std
# from source (-Zbuild-std) for Windows and for ThreadSanitizer. See PLATFORMS.md.
#
#   . scripts/lib/debian-rust.sh          sourced: fetch once, verify, export the env here
#   scripts/lib/debian-rust.sh            the same, then print the env as `export` lines
#   scripts/lib/debian-rust.sh --check    exit 0 if the cache is complete (fetches nothing)
#
# rustc-web declares `Conflicts: rustup`, so nothing is installed: the packages are fetched with
# `apt-get download` (apt checks their hashes against the signed archive) and unpacked with
# `dpkg-deb -x` into $LK_RUST_WEB_DIR (default /var/cache/licensekit/rust-web, about 870 MB).
# A stamp file is written only after the unpacked compiler passed its checks, so a run that was
# interrupted starts again from scratch; later runs only look at the stamp (a few ms).
#
# Exports: LK_RUST_WEB_DIR, PATH (its usr/bin first), LD_LIBRARY_PATH, RUSTC, RUSTDOC, CARGO,
# RUSTC_BOOTSTRAP=1 (so -Z flags work on this stable compiler) and CARGO_HOME: a folder of its
# own beside the compiler, so it never writes rustup's ~/.cargo, sharing rustup's registry
# (downloaded crates) and its package-cache locks, so the two cargos never unpack at once.
#
# Needs apt-get, dpkg-deb, flock (util-linux) and gcc (the linker); runs `apt-get update` only
# when apt knows no 1.96 package.

lk_rust_web_version=1.96
lk_rust_web_packages=(rustc-web cargo-web "libstd-rust-web-$lk_rust_web_version" libstd-rust-web-dev rust-web-src
    libllvm22 libgit2-1.5 libmbedtls14 libmbedx509-1 libmbedcrypto7 libhttp-parser2.9)

lk_rust_web_log() { printf 'debian-rust: %s\n' "$*" >&2; }

# The newest version apt offers of package $1 (for the Rust packages: the newest 1.96.x).
lk_rust_web_candidate() {
    local pkg="$1"
    case "$pkg" in
    rustc-web | cargo-web | libstd-rust-web-* | rust-web-src)
        apt-cache madison "$pkg" 2>/dev/null | awk -F' *[|] *' -v v="$lk_rust_web_version." 'index($2, v) == 1 { print $2; exit }'
        ;;
    *) apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }' ;;
    esac
}

# Checks an unpacked tree in $1; prints what is wrong and returns 1, or returns 0.
lk_rust_web_verify() {
    local dir="$1" sysroot missing version probe
    local -x LD_LIBRARY_PATH="$dir/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    version="$("$dir/usr/bin/rustc" -vV 2>&1)" || true
    [[ "$version" == *$'\n'"release: $lk_rust_web_version."* ]] ||
        { lk_rust_web_log "$dir/usr/bin/rustc is not Rust $lk_rust_web_version: $version"; return 1; }
    "$dir/usr/bin/cargo" -V >/dev/null 2>&1 || { lk_rust_web_log "$dir/usr/bin/cargo does not run"; return 1; }
    sysroot="$("$dir/usr/bin/rustc" --print sysroot)"
    [[ "$sysroot" == "$dir/usr" ]] || { lk_rust_web_log "sysroot is $sysroot, not $dir/usr"; return 1; }
    [[ -f "$sysroot/lib/rustlib/src/rust/library/std/Cargo.toml" && -f "$sysroot/lib/rustlib/src/rust/library/Cargo.lock" ]] ||
        { lk_rust_web_log "no std sources under $sysroot/lib/rustlib/src/rust/library"; return 1; }
    missing="$(ldd "$dir/usr/bin/rustc" "$dir/usr/bin/cargo" "$dir"/usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null |
        awk '/not found/ { print $1 }' | sort -u)"
    [[ -z "$missing" ]] || { lk_rust_web_log "libraries not found: $(echo $missing)"; return 1; }
    probe="$(mktemp -d)"
    printf 'fn main() { println!("ok"); }\n' >"$probe/probe.rs"
    "$dir/usr/bin/rustc" --edition 2021 -o "$probe/probe" "$probe/probe.rs" >"$probe/log" 2>&1 && [[ "$("$probe/probe")" == ok ]] ||
        { lk_rust_web_log "rustc cannot build and link a program: $(cat "$probe/log")"; rm -rf "$probe"; return 1; }
    rm -rf "$probe"
}

# Fetches and unpacks the packages into $1 (which must not exist yet), then verifies.
lk_rust_web_fetch() {
    local dir="$1" debs="$1.debs" pkg version specs=() deb
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
        { lk_rust_web_log "apt-get and dpkg-deb are needed"; return 1; }
    if [[ -z "$(lk_rust_web_candidate rustc-web)" ]]; then
        lk_rust_web_log "apt knows no rustc-web $lk_rust_web_version: apt-get update"
        apt-get update -qq || return 1
    fi
    for pkg in "${lk_rust_web_packages[@]}"; do
        version="$(lk_rust_web_candidate "$pkg")"
        [[ -n "$version" ]] || { lk_rust_web_log "apt has no package $pkg (Debian 12 with bookworm-security needed)"; return 1; }
        specs+=("$pkg=$version")
    done
    rm -rf "$debs" "$dir"
    mkdir -p "$debs" "$dir"
    lk_rust_web_log "downloading ${specs[*]}"
    (cd "$debs" && apt-get -o APT::Sandbox::User=root download -qq "${specs[@]}") || { lk_rust_web_log "apt-get download failed"; return 1; }
    for deb in "$debs"/*.deb; do
        dpkg-deb -x "$deb" "$dir" || { lk_rust_web_log "cannot unpack $deb"; return 1; }
    done
    rm -rf "$debs"
    lk_rust_web_verify "$dir" || return 1
    printf '%s\n' "${specs[@]}" >"$dir/.licensekit-complete"
}

# Makes sure the cache is complete; sets LK_RUST_WEB_DIR.
lk_rust_web_ensure() {
    local started=$SECONDS
    LK_RUST_WEB_DIR="${LK_RUST_WEB_DIR:-/var/cache/licensekit/rust-web}"
    [[ -f "$LK_RUST_WEB_DIR/.licensekit-complete" ]] && return 0
    mkdir -p "$(dirname "$LK_RUST_WEB_DIR")" || return 1
    (
        # One fetch at a time on this machine; the loser of the race finds the stamp.
        flock 9 || exit 1
        [[ -f "$LK_RUST_WEB_DIR/.licensekit-complete" ]] && exit 0
        lk_rust_web_fetch "$LK_RUST_WEB_DIR.new" || { rm -rf "$LK_RUST_WEB_DIR.new" "$LK_RUST_WEB_DIR.new.debs"; exit 1; }
        rm -rf "$LK_RUST_WEB_DIR"
        # The sysroot is where rustc finds itself, so verify again after the move.
        mv "$LK_RUST_WEB_DIR.new" "$LK_RUST_WEB_DIR" && lk_rust_web_verify "$LK_RUST_WEB_DIR" ||
            { rm -rf "$LK_RUST_WEB_DIR"; exit 1; }
    ) 9>"$LK_RUST_WEB_DIR.lock" || { lk_rust_web_log "could not set up Debian's Rust $lk_rust_web_version"; return 1; }
    lk_rust_web_log "Rust $lk_rust_web_version ready in $LK_RUST_WEB_DIR ($((SECONDS - started)) s)"
}

# Exports the environment that uses the cached compiler.
lk_rust_web_env() {
    local dir="$LK_RUST_WEB_DIR" home rustup_home f
    home="$(dirname "$dir")/cargo-home"
    rustup_home="${LK_RUSTUP_CARGO_HOME:-${CARGO_HOME:-$HOME/.cargo}}"
    mkdir -p "$home"
    if [[ "$rustup_home" != "$home" && -d "$rustup_home/registry" ]]; then
        for f in registry .package-cache .package-cache-mutate; do
            [[ -e "$home/$f" || -L "$home/$f" ]] || ln -s "$rustup_home/$f" "$home/$f"
        done
    fi
    export LK_RUST_WEB_DIR="$dir"
    export CARGO_HOME="$home"
    export PATH="$dir/usr/bin:$PATH"
    export LD_LIBRARY_PATH="$dir/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export RUSTC="$dir/usr/bin/rustc" RUSTDOC="$dir/usr/bin/rustdoc" CARGO="$dir/usr/bin/cargo"
    export RUSTC_BOOTSTRAP=1
    # rustup's variables mean nothing to this compiler; drop them so no proxy is consulted.
    unset RUSTUP_TOOLCHAIN RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    if [[ "${1:-}" == --check ]]; then
        LK_RUST_WEB_DIR="${LK_RUST_WEB_DIR:-/var/cache/licensekit/rust-web}"
        [[ -f "$LK_RUST_WEB_DIR/.licensekit-complete" ]] && lk_rust_web_verify "$LK_RUST_WEB_DIR"
        exit
    fi
    lk_rust_web_ensure
    lk_rust_web_env
    for v in LK_RUST_WEB_DIR CARGO_HOME PATH LD_LIBRARY_PATH RUSTC RUSTDOC CARGO RUSTC_BOOTSTRAP; do
        printf 'export %s=%q\n' "$v" "${!v}"
    done
    echo 'unset RUSTUP_TOOLCHAIN RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER'
else
    lk_rust_web_ensure && lk_rust_web_env
fi
