#!/usr/bin/env bash
# The C tests as Windows programs, run under Wine.
#
#   tests/windows/run.sh [WINDIR]   (WINDIR defaults to target/x86_64-pc-windows-gnu/release)
#
# WINDIR holds licensekit.dll, liblicensekit.dll.a and liblicensekit.a (scripts/build-windows).
# The portable programs of tests/c (and examples/c) are compiled with x86_64-w64-mingw32-gcc
# and -g++ against include/licensekit.h, once linked to the DLL and once statically, and run
# under /usr/lib/wine/wine64 in a fresh WINEPREFIX under target/wine. The online ones talk to
# a licensekit-server started on 127.0.0.1 on the Linux side (scripts/lib/test-server.sh;
# $LK_SERVER_BIN, else target/release/licensekit-server), which Wine programs reach as a
# Windows program would.
#
# Left out, being about Linux: test_client and test_machine (XDG and HOME store locations,
# POSIX directory modes, /etc/machine-id), test_offline (runs the vendor command line through
# a POSIX shell); the air-gapped round trip runs here through examples/c/airgap.c instead.
#
# The Wine prefix and its workarounds (the ProcessPrng stand-in, no Z: drive, Windows 10) are
# tests/windows/prefix.sh's, shared with the Rust tests (tests/windows/rust.sh).
# POSIX calls of the tests are mapped by tests/windows/posix_compat.h (force-included).
#
# Prints `N passed, M failed` last and exits non-zero on any failure.
set -euo pipefail

started=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
windir="$(cd "${1:-target/x86_64-pc-windows-gnu/release}" 2>/dev/null && pwd)" ||
    { echo "windows/run.sh: no such directory: ${1:-target/x86_64-pc-windows-gnu/release}" >&2; exit 2; }
for f in licensekit.dll liblicensekit.dll.a liblicensekit.a; do
    [[ -f "$windir/$f" ]] || { echo "windows/run.sh: $windir/$f is missing (run scripts/build-windows)" >&2; exit 2; }
done
server_bin="${LK_SERVER_BIN:-$root/target/release/licensekit-server}"
[[ -x "$server_bin" ]] || { echo "windows/run.sh: $server_bin is missing (cargo build --release --workspace)" >&2; exit 2; }
# shellcheck source=tests/windows/prefix.sh
. tests/windows/prefix.sh
work="$root/target/wine"
wine_env "$work"
CC=x86_64-w64-mingw32-gcc
# The POSIX-threads g++: Debian's default mingw g++ 12 (win32 threads) has no std::mutex,
# which the C++ layer uses (GCC 13 and later have it with either thread model).
CXX=x86_64-w64-mingw32-g++-posix
for tool in "$WINE" "$WINESERVER" "$CC" "$CXX" x86_64-w64-mingw32-objdump curl python3; do
    command -v "$tool" >/dev/null || { echo "windows/run.sh: $tool is not installed (apt-get install wine64 gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64)" >&2; exit 2; }
done

rm -rf "$work"
mkdir -p "$work/bin/dll" "$work/bin/static" "$work/logs" "$work/server"

# The programs that make sense on Windows; test_capacity runs last (it draws the server's
# pools and tokens down).
c_tests=(test_library test_threads test_online test_capacity)
cpp_tests=(header_cpp test_cpp)
for name in "${c_tests[@]}"; do [[ -f "tests/c/$name.c" ]] || { echo "tests/c/$name.c is missing" >&2; exit 2; }; done
for name in "${cpp_tests[@]}"; do [[ -f "tests/c/$name.cpp" ]] || { echo "tests/c/$name.cpp is missing" >&2; exit 2; }; done

# __USE_MINGW_ANSI_STDIO: C99 printf (%zu). -Wno-format: mingw reads check.h's
# format(printf) attribute as Microsoft's printf, which knows no %zu; the Linux build checks
# the formats.
common=(-Wall -Wextra -Werror -Wno-format -D__USE_MINGW_ANSI_STDIO=1 -include tests/windows/posix_compat.h
    -Iinclude -Itests/c -Itests/windows -Ibindings/cpp)
cflags=(-std=c99 "${common[@]}")
cxxflags=(-std=c++17 "${common[@]}")
# -static: the mingw runtime (libgcc, winpthread, libstdc++) goes into each program, so only
# licensekit.dll (for the DLL variant) and system DLLs are needed at run time.
dll_libs=("$windir/liblicensekit.dll.a" -static -lpthread)
# PLATFORMS.md: what the static library needs from Windows.
static_libs=("$windir/liblicensekit.a" -static -lkernel32 -ladvapi32 -lbcrypt -lntdll -luserenv -lws2_32
    -lpdh -lpowrprof -lpsapi -lshell32 -loleaut32 -lole32 -liphlpapi -lpthread)

passed=0
failed=0
failures=()
# shellcheck source=tests/lib/step.sh
. tests/lib/step.sh

# wine_run VARIANT PROGRAM ARGS...: runs C:\lk\VARIANT\PROGRAM.exe from its own folder.
# Output with CRLF turned into LF.
wine_run() {
    local variant="$1" program="$2"
    shift 2
    (cd "$WINEPREFIX/drive_c/lk/$variant" && "$WINE" "$program.exe" "$@") 2>&1 | tr -d '\r'
    return "${PIPESTATUS[0]}"
}

# expect_summary VARIANT PROGRAM: exit 0 and "N passed, 0 failed" (N > 0) last.
expect_summary() {
    local out="$work/last-output" rc=0
    wine_run "$@" >"$out" || rc=$?
    cat "$out"
    [[ $rc -eq 0 ]] || { echo "exit status $rc"; return 1; }
    tail -n 1 "$out" | grep -Eq '^[1-9][0-9]* passed, 0 failed$' || { echo "no final 'N passed, 0 failed' line"; return 1; }
}

check_example() {
    local variant="$1" out="$work/example-output" version rc=0
    version="$(sed -n 's/^#define LK_VERSION "\(.*\)"$/\1/p' include/licensekit.h)"
    wine_run "$variant" computer_id 6872450105 >"$out" || rc=$?
    cat "$out"
    [[ $rc -eq 0 ]] || { echo "exit status $rc"; return 1; }
    grep -qx "licensekit $version" "$out" || { echo "no version line"; return 1; }
    grep -Eqx 'computer ID for 6872450105: [A-Za-z0-9+/]{20}' "$out" || { echo "no ID line"; return 1; }
    grep -Eqx 'system details: \{.*"vmplatform":.*\}' "$out" || { echo "no details line"; return 1; }
    rc=0
    wine_run "$variant" computer_id 'not a product' >"$out" || rc=$?
    cat "$out"
    [[ $rc -eq 1 ]] || { echo "exit status $rc for a bad product ID, expected 1"; return 1; }
    grep -q 'LK_INVALID_PRODUCT_ID' "$out" || { echo "the failure is not explained"; return 1; }
}

# The air-gapped round trip: the Windows helper writes and reads files in the prefix, the
# vendor's command line (Linux) reads and writes the same files through the prefix's folder.
check_airgap() {
    local variant="$1" out="$work/airgap-output" files="$WINEPREFIX/drive_c/lk/airgap-$1" win="C:\\lk\\airgap-$1"
    mkdir -p "$files"
    local -a helper=(wine_run "$variant" airgap "$LK_TEST_PRODUCT" "$LK_TEST_PUBLIC_KEY" "$win\\store")
    {
        "${helper[@]}" status | grep -qx 'status: LK_NOT_ACTIVATED.*' &&
        "${helper[@]}" request "$LK_TEST_LICENSE_CODE" "$win\\request.txt" &&
        "$server_bin" offline activate --data-dir "$LK_TEST_DATA_DIR" --request "$files/request.txt" \
            >"$files/certificate.txt" &&
        "${helper[@]}" import "$win\\certificate.txt" &&
        "${helper[@]}" status | grep -qx 'status: LK_OK (.*)' &&
        "${helper[@]}" deactivate "$win\\deactivation.txt" &&
        "$server_bin" offline deactivate --data-dir "$LK_TEST_DATA_DIR" --certificate "$files/deactivation.txt" &&
        "${helper[@]}" status | grep -qx 'status: LK_DEACTIVATED.*' &&
        ! "${helper[@]}" import "$win\\certificate.txt" 2>&1 | tee /dev/stderr | grep -q '^imported'
    } >"$out" 2>&1 || { cat "$out"; echo "the air-gapped round trip failed"; return 1; }
    cat "$out"
}

build() {
    local variant="$1" name
    shift
    local bin="$work/bin/$variant"
    step "compile check.c ($variant)" "$CC" "${cflags[@]}" -c tests/c/check.c -o "$bin/check.o"
    step "compile posix_compat.c ($variant)" "$CC" "${cflags[@]}" -c tests/windows/posix_compat.c -o "$bin/posix_compat.o"
    for name in "${c_tests[@]}"; do
        step "compile $name ($variant)" "$CC" "${cflags[@]}" "tests/c/$name.c" "$bin/check.o" "$bin/posix_compat.o" \
            -o "$bin/$name.exe" "$@"
    done
    for name in "${cpp_tests[@]}"; do
        step "compile $name.cpp as C++17 ($variant)" "$CXX" "${cxxflags[@]}" -x c++ "tests/c/$name.cpp" -x none \
            "$bin/check.o" "$bin/posix_compat.o" -o "$bin/$name.exe" "$@"
    done
    step "compile examples/c/computer_id.c ($variant)" "$CC" "${cflags[@]}" examples/c/computer_id.c \
        "$bin/posix_compat.o" -o "$bin/computer_id.exe" "$@"
    step "compile examples/c/airgap.c ($variant)" "$CC" "${cflags[@]}" examples/c/airgap.c \
        "$bin/posix_compat.o" -o "$bin/airgap.exe" "$@"
}

# Only system DLLs (and licensekit.dll for the DLL variant) are imported by the programs.
check_program_imports() {
    local variant="$1" exe name bad=""
    for exe in "$work/bin/$variant"/*.exe; do
        for name in $(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ { print $3 }'); do
            case "${name,,}" in
            licensekit.dll) [[ $variant == dll ]] || bad+="$(basename "$exe"):$name " ;;
            libgcc* | libwinpthread* | libstdc++*) bad+="$(basename "$exe"):$name " ;;
            esac
        done
    done
    [[ $variant == static ]] || grep -q 'DLL Name: licensekit.dll' <(x86_64-w64-mingw32-objdump -p "$work/bin/dll/test_library.exe") ||
        bad+="test_library.exe does not import licensekit.dll"
    echo "${bad:-imports ok}"
    [[ -z "$bad" ]]
}

run() {
    local variant="$1" name
    step "start a fresh licensekit-server ($variant)" start_test_server "$server_bin" "$work/server"
    for name in "${c_tests[@]/test_capacity/}" "${cpp_tests[@]}" test_capacity; do
        [[ -n "$name" ]] || continue
        step "run $name.exe ($variant)" expect_summary "$variant" "$name"
    done
    step "run computer_id.exe ($variant)" check_example "$variant"
    step "run airgap.exe ($variant)" check_airgap "$variant"
}

# shellcheck source=scripts/lib/test-server.sh
. scripts/lib/test-server.sh
# The prefix (about 800 MB) goes at the end, the logs stay; LK_KEEP_WINE_PREFIX=1 keeps it.
cleanup() {
    [[ -n "${LK_TEST_SERVER_PID:-}" ]] && kill "$LK_TEST_SERVER_PID" 2>/dev/null
    "$WINESERVER" -k 2>/dev/null || true
    [[ "${LK_KEEP_WINE_PREFIX:-0}" == 1 ]] || rm -rf "$WINEPREFIX"
}
trap cleanup EXIT

echo "licensekit C tests under Wine ($("$WINE" --version)) against $windir"
step "a fresh Wine prefix (Windows 10, ProcessPrng stand-in, no Z: drive)" make_prefix
if [[ $failed -eq 0 ]]; then
    build dll "${dll_libs[@]}"
    build static "${static_libs[@]}"
    mkdir -p "$WINEPREFIX/drive_c/lk"
    cp -r "$work/bin/dll" "$work/bin/static" "$WINEPREFIX/drive_c/lk/"
    cp "$windir/licensekit.dll" "$WINEPREFIX/drive_c/lk/dll/"
    step "program imports (dll)" check_program_imports dll
    step "program imports (static)" check_program_imports static
    step "Linux paths are hidden from Windows programs" no_linux_paths
    run dll
    run static
fi

echo "($((SECONDS - started)) s)"
if [[ $failed -gt 0 ]]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
