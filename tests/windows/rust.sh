#!/usr/bin/env bash
# The library's Rust tests as Windows programs under Wine: the unit tests and the
# integration tests that make sense on Windows (the Linux ones are cfg(target_os = "linux")),
# including online activation, refresh and deactivation against a real licensekit-server.
#
#   tests/windows/rust.sh [CARGO TEST ARGS...]
#
# Makes a fresh Wine prefix (tests/windows/prefix.sh), starts licensekit-server on 127.0.0.1
# on the Linux side (scripts/lib/test-server.sh; $LK_SERVER_BIN, else
# target/release/licensekit-server), whose URL, product and license code reach the tests
# through the environment (LK_TEST_SERVER_URL, ...), then runs
#   cargo test -p licensekit --target x86_64-pc-windows-gnu -- --include-ignored
# with tests/windows/runner.sh as the runner. `--include-ignored` runs tests/real_server.rs,
# which is ignored where no server is given (a plain `cargo test`).
set -euo pipefail
started=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
server_bin="${LK_SERVER_BIN:-$root/target/release/licensekit-server}"
[[ -x "$server_bin" ]] || { echo "windows/rust.sh: $server_bin is missing (cargo build --release -p licensekit-server)" >&2; exit 2; }
for tool in /usr/lib/wine/wine64 x86_64-w64-mingw32-gcc curl python3; do
    command -v "$tool" >/dev/null || { echo "windows/rust.sh: $tool is not installed (apt-get install wine64 gcc-mingw-w64-x86-64)" >&2; exit 2; }
done

work="$root/target/wine-rust"
rm -rf "$work"
mkdir -p "$work/server"
# shellcheck source=tests/windows/prefix.sh
. tests/windows/prefix.sh
wine_env "$work"
# shellcheck source=scripts/lib/test-server.sh
. scripts/lib/test-server.sh
cleanup() {
    [[ -n "${LK_TEST_SERVER_PID:-}" ]] && kill "$LK_TEST_SERVER_PID" 2>/dev/null
    "$WINESERVER" -k 2>/dev/null || true
    [[ "${LK_KEEP_WINE_PREFIX:-0}" == 1 ]] || rm -rf "$WINEPREFIX"
}
trap cleanup EXIT

make_prefix >"$work/prefix.log" 2>&1 || { cat "$work/prefix.log"; echo "windows/rust.sh: no Wine prefix" >&2; exit 1; }
no_linux_paths
start_test_server "$server_bin" "$work/server" || { echo "windows/rust.sh: the server did not start" >&2; exit 1; }
echo "licensekit-server at $LK_TEST_SERVER_URL"

mingw=x86_64-w64-mingw32
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="$mingw-gcc"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$root/tests/windows/runner.sh"
export CC_x86_64_pc_windows_gnu="$mingw-gcc" AR_x86_64_pc_windows_gnu="$mingw-ar" WINDRES="$mingw-windres"
# shellcheck source=scripts/lib/cargo-tests.sh
. scripts/lib/cargo-tests.sh
# Skipped under Wine, for Wine's reasons (by their full names, unique in the crate):
#  - store_processes' sigkill_at_random_moments_leaves_old_or_new_state kills a child writer
#    3 to 28 ms after starting it, a window sized for a native process start. A Wine process
#    takes longer than that to start, so no kill landed inside a write ("only 0 trials saw a
#    write complete"), and in another run the 200 quick start-and-kill cycles made
#    CreateProcess itself fail with ERROR_INTERNAL_ERROR (1359). The other store_processes
#    tests (eight processes updating one store) run.
skipped=(sigkill_at_random_moments_leaves_old_or_new_state)
skip_args=()
for name in "${skipped[@]}"; do skip_args+=(--skip "$name"); done
# --no-fail-fast: every test binary runs, so one log shows every failure.
if cargo_tests "$work/cargo-test.log" cargo test --locked --no-fail-fast -p licensekit --target x86_64-pc-windows-gnu \
    "$@" -- --include-ignored "${skip_args[@]}"; then
    echo "($((SECONDS - started)) s)"
    echo "$CARGO_TESTS_PASSED passed, 0 failed"
else
    echo "($((SECONDS - started)) s)"
    echo "the Rust tests under Wine failed"
    exit 1
fi
