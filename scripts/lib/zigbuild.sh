#!/usr/bin/env bash
# cargo-zigbuild and zig (PyPI's `cargo-zigbuild` and `ziglang`) in a virtual environment
# outside the repository: zig is the C compiler and linker for the targets that rustup's
# standard libraries cover but this machine has no C toolchain for (macOS, aarch64 Linux,
# musl, an old glibc). See PLATFORMS.md and scripts/build-platforms.
#
#   . scripts/lib/zigbuild.sh          sourced: install once, verify, export the variables below
#   scripts/lib/zigbuild.sh            the same, then print them as `export` lines
#   scripts/lib/zigbuild.sh --check    exit 0 if the environment is complete (installs nothing)
#
# Exports LK_CARGO_ZIGBUILD (the cargo-zigbuild program) and CARGO_ZIGBUILD_ZIG_PATH (the zig
# binary inside the ziglang package: cargo-zigbuild then runs it directly, not through
# `python3 -m ziglang` on every compiler call). Nothing goes on PATH, so the environment's
# python3 never stands in for the machine's.
#
# The environment lives in $LK_ZIGBUILD_DIR (default /var/cache/licensekit/zigbuild, about
# 440 MB). The versions are pinned: a new zig can change what links. A stamp file is written
# only after `zig cc` compiled a program, so an interrupted install starts again; later runs
# only look at the stamp.

lk_zigbuild_pins=(ziglang==0.17.1 cargo-zigbuild==0.24.1)

lk_zigbuild_log() { printf 'zigbuild: %s\n' "$*" >&2; }

lk_zigbuild_stamp() { printf '%s\n' "${lk_zigbuild_pins[@]}"; }

lk_zigbuild_zig() { echo "$LK_ZIGBUILD_DIR"/lib/python3*/site-packages/ziglang/zig; }

lk_zigbuild_complete() {
    [[ -f "$LK_ZIGBUILD_DIR/.complete" && "$(cat "$LK_ZIGBUILD_DIR/.complete")" == "$(lk_zigbuild_stamp)" ]]
}

lk_zigbuild_install() {
    local probe
    lk_zigbuild_log "installing ${lk_zigbuild_pins[*]} into $LK_ZIGBUILD_DIR"
    rm -rf "$LK_ZIGBUILD_DIR"
    mkdir -p "$(dirname "$LK_ZIGBUILD_DIR")"
    python3 -m venv "$LK_ZIGBUILD_DIR" || return 1
    "$LK_ZIGBUILD_DIR/bin/pip" install -q --disable-pip-version-check "${lk_zigbuild_pins[@]}" || return 1
    probe="$(mktemp -d)"
    printf 'int main(void) { return 0; }\n' >"$probe/probe.c"
    if ! "$(lk_zigbuild_zig)" cc -target aarch64-linux-gnu.2.17 "$probe/probe.c" -o "$probe/probe"; then
        rm -rf "$probe"
        lk_zigbuild_log "zig cc cannot build a program"
        return 1
    fi
    rm -rf "$probe"
    lk_zigbuild_stamp >"$LK_ZIGBUILD_DIR/.complete"
}

lk_zigbuild_main() {
    LK_ZIGBUILD_DIR="${LK_ZIGBUILD_DIR:-/var/cache/licensekit/zigbuild}"
    if [[ "${1:-}" == --check ]]; then
        lk_zigbuild_complete
        return
    fi
    lk_zigbuild_complete || lk_zigbuild_install || return 1
    LK_CARGO_ZIGBUILD="$LK_ZIGBUILD_DIR/bin/cargo-zigbuild"
    CARGO_ZIGBUILD_ZIG_PATH="$(lk_zigbuild_zig)"
    export LK_ZIGBUILD_DIR LK_CARGO_ZIGBUILD CARGO_ZIGBUILD_ZIG_PATH
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    lk_zigbuild_main "$@"
    [[ "${1:-}" == --check ]] || printf 'export %s=%q\n' LK_ZIGBUILD_DIR "$LK_ZIGBUILD_DIR" \
        LK_CARGO_ZIGBUILD "$LK_CARGO_ZIGBUILD" CARGO_ZIGBUILD_ZIG_PATH "$CARGO_ZIGBUILD_ZIG_PATH"
else
    # Sourced: never the caller's arguments.
    lk_zigbuild_main
fi
