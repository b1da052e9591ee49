#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu (CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER), set by
# tests/windows/rust.sh: runs a test program under Wine in the prefix rust.sh made.
#
#   runner.sh PROGRAM.exe ARGS...
#
# The prefix has no Z: drive (Windows programs do not see Linux paths), so the program is
# copied to C:\lk\rust and run from there; its arguments (test filters, --include-ignored)
# pass through, and so does the environment (LK_TEST_SERVER_URL and the rest).
set -euo pipefail
[[ -n "${WINEPREFIX:-}" && -d "$WINEPREFIX/drive_c" ]] ||
    { echo "windows/runner.sh: no Wine prefix (run through tests/windows/rust.sh)" >&2; exit 2; }
program="$1"
shift
dest="$WINEPREFIX/drive_c/lk/rust"
mkdir -p "$dest"
cp "$program" "$dest/"
cd "$dest"
/usr/lib/wine/wine64 "$(basename "$program")" "$@"
