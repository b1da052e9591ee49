#!/usr/bin/env bash
# The C-side tests of licensekit.
#
#   tests/c/run.sh [LIBDIR]        (LIBDIR defaults to $LK_LIBDIR, else target/release)
#
# LIBDIR holds liblicensekit.so and liblicensekit.a (`cargo build --release`). Builds every
# program in tests/c and examples/c with -std=c99 -Wall -Wextra -Werror -pedantic, linked
# once against the shared and once against the static library; runs them; runs the
# shared-linked ones under valgrind; builds and runs them once more with AddressSanitizer
# and UBSan; compiles the header alone (C and C++); checks that the shared library exports
# only lk_* symbols, exactly those the header declares, each called by a test. Prints
# `N passed, M failed` last and exits non-zero on any failure.
#
# test_online talks to a real licensekit-server ($LK_SERVER_BIN, else LIBDIR/licensekit-server)
# that this script starts on loopback and prepares through the Web API with curl.
#
# Needs bash, a C compiler (cc, or $CC), g++ (or $CXX), valgrind, binutils (nm), curl and
# python3.

set -euo pipefail

started=$SECONDS
libdir_arg="${1:-${LK_LIBDIR:-target/release}}"
if ! libdir="$(cd "$libdir_arg" 2>/dev/null && pwd)"; then
    echo "run.sh: no such library directory: $libdir_arg" >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

for lib in liblicensekit.so liblicensekit.a; do
    if [[ ! -f "$libdir/$lib" ]]; then
        echo "run.sh: $libdir/$lib is missing (run \`cargo build --release\` first)" >&2
        exit 2
    fi
done
server_bin="${LK_SERVER_BIN:-$libdir/licensekit-server}"
if [[ ! -x "$server_bin" ]]; then
    echo "run.sh: $server_bin is missing (run \`cargo build --release --workspace\` first)" >&2
    exit 2
fi
for tool in "${CC:-cc}" "${CXX:-g++}" valgrind nm curl python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "run.sh: $tool is not installed" >&2
        exit 2
    fi
done

CC="${CC:-cc}"
CXX="${CXX:-g++}"
work="$(mktemp -d "${TMPDIR:-/tmp}/lk-c-tests.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/logs" "$work/tmp" "$work/xdg"
# Everything the programs write (stores, installation IDs) stays in $work.
export TMPDIR="$work/tmp" XDG_DATA_HOME="$work/xdg"

cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -Itests/c)
cxxflags=(-std=c++17 -Wall -Wextra -Werror -Iinclude -Itests/c)
sanitize=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g)
shared_libs=(-L"$libdir" -Wl,-rpath,"$libdir" -llicensekit -lpthread)
# shellcheck source=scripts/lib/native-libs.sh
. scripts/lib/native-libs.sh
static_libs=("$libdir/liblicensekit.a" "${LK_NATIVE_STATIC_LIBS[@]}")
# No suppressions. Definite and indirect leaks fail; "possibly lost" blocks are neither shown
# nor errors: Rust's std keeps a handle of each thread that calls into it (found through an
# interior pointer, hence "possibly"), freed when the thread exits, which a process's main
# thread never does before valgrind looks.
valgrind=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect)

# Every tests/c/test_*.c, so a new test cannot be left out; test_capacity runs last (see run).
tests=()
for src in tests/c/test_*.c; do
    [[ -f "$src" ]] && tests+=("$(basename "$src" .c)")
done
if [[ ${#tests[@]} -lt 7 || " ${tests[*]} " != *" test_capacity "* ]]; then
    echo "run.sh: expected at least 7 tests/c/test_*.c including test_capacity, found: ${tests[*]:-none}" >&2
    exit 2
fi
passed=0
failed=0
failures=()

# shellcheck source=tests/lib/step.sh
. tests/lib/step.sh

# expect_summary COMMAND...: the program must exit 0 with "N passed, 0 failed" last.
expect_summary() {
    local out="$work/last-output" rc=0
    "$@" >"$out" 2>&1 || rc=$?
    cat "$out"
    if [[ $rc -ne 0 ]]; then
        echo "exit status $rc"
        return 1
    fi
    if ! tail -n 1 "$out" | grep -Eq '^[1-9][0-9]* passed, 0 failed$'; then
        echo "no final 'N passed, 0 failed' line with N > 0"
        return 1
    fi
    no_valgrind_report "$out"
}

# no_valgrind_report FILE: valgrind -q prints only what it found.
no_valgrind_report() {
    if grep -Eq '^==[0-9]+==' "$1"; then
        echo "valgrind reported errors"
        return 1
    fi
}

# check_example COMMAND...: the example prints the version, a computer ID and a JSON object,
# and fails cleanly on a bad product ID.
check_example() {
    local out="$work/example-output" version rc=0
    version="$(sed -n 's/^#define LK_VERSION "\(.*\)"$/\1/p' include/licensekit.h)"
    "$@" 6872450105 >"$out" 2>&1 || rc=$?
    cat "$out"
    [[ $rc -eq 0 ]] || { echo "exit status $rc"; return 1; }
    grep -qx "licensekit $version" "$out" || { echo "no version line"; return 1; }
    grep -Eqx 'computer ID for 6872450105: [A-Za-z0-9+/]{20}' "$out" || { echo "no ID line"; return 1; }
    grep -Eqx 'system details: \{.*"vmplatform":.*\}' "$out" || { echo "no details line"; return 1; }
    no_valgrind_report "$out" || return 1
    rc=0
    "$@" 'not a product' >"$out" 2>&1 || rc=$?
    cat "$out"
    [[ $rc -eq 1 ]] || { echo "exit status $rc for a bad product ID, expected 1"; return 1; }
    grep -q 'LK_INVALID_PRODUCT_ID' "$out" || { echo "the failure is not explained"; return 1; }
    no_valgrind_report "$out"
}

# The shared library exports only lk_* symbols, exactly the functions of the header, and
# every one of them is called by a C test.
check_exports() {
    local exported declared extra missing undeclared uncovered="" sym
    exported="$(nm -D --defined-only "$libdir/liblicensekit.so" | awk 'NF >= 3 { print $3 }' | sort -u)"
    declared="$(grep -E '^[A-Za-z]' include/licensekit.h | grep -oE '\blk_[a-z0-9_]+\(' | tr -d '(' | sort -u)"
    extra="$(grep -v '^lk_' <<<"$exported" || true)"
    missing="$(comm -13 <(echo "$exported") <(echo "$declared"))"
    undeclared="$(comm -23 <(grep '^lk_' <<<"$exported" || true) <(echo "$declared"))"
    for sym in $(grep '^lk_' <<<"$exported" || true); do
        if ! grep -qE "\\b$sym\\(" tests/c/test_*.c; then
            uncovered+="$sym "
        fi
    done
    echo "exported: $(echo $exported)"
    [[ -n "$exported" ]] || { echo "no symbols exported"; return 1; }
    [[ -z "$extra" ]] || { echo "exported symbols outside lk_*: $(echo $extra)"; return 1; }
    [[ -z "$missing" ]] || { echo "declared in the header but not exported: $(echo $missing)"; return 1; }
    [[ -z "$undeclared" ]] || { echo "exported but not in the header: $(echo $undeclared)"; return 1; }
    [[ -z "$uncovered" ]] || { echo "exported but called by no tests/c/test_*.c: $uncovered"; return 1; }
}

# LK_VERSION in the header is the version of Cargo.toml's [package] (test_library checks
# that lk_version() returns LK_VERSION).
check_version() {
    local cargo header
    cargo="$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)"
    header="$(sed -n 's/^#define LK_VERSION "\(.*\)"$/\1/p' include/licensekit.h)"
    echo "Cargo.toml: $cargo, include/licensekit.h: $header"
    [[ -n "$cargo" && "$cargo" == "$header" ]]
}

header_alone() {
    local std
    for std in c99 c11 c17; do
        echo "-std=$std"
        "$CC" "-std=$std" -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -Wundef -Iinclude \
            -c tests/c/header_only.c -o "$work/header_only.o" || return 1
    done
    for std in c++11 c++17 c++20; do
        echo "-std=$std"
        "$CXX" "-std=$std" -Wall -Wextra -Werror -pedantic -Wundef -Iinclude -x c++ \
            -c tests/c/header_only.c -o "$work/header_only.o" || return 1
    done
}

# build VARIANT EXTRA_CFLAGS... -- LIBS...: compiles every program for one variant.
build() {
    local variant="$1" extra=() libs=() name
    shift
    while [[ $1 != -- ]]; do extra+=("$1"); shift; done
    shift
    libs=("$@")
    local bin="$work/bin/$variant"
    mkdir -p "$bin"
    step "compile check.c ($variant)" "$CC" "${cflags[@]}" "${extra[@]}" -c tests/c/check.c -o "$bin/check.o"
    for name in "${tests[@]}"; do
        step "compile $name ($variant)" "$CC" "${cflags[@]}" "${extra[@]}" "tests/c/$name.c" "$bin/check.o" \
            -o "$bin/$name" "${libs[@]}"
    done
    step "compile header_cpp.cpp as C++17 ($variant)" "$CXX" "${cxxflags[@]}" "${extra[@]}" \
        -x c++ tests/c/header_cpp.cpp -x none "$bin/check.o" -o "$bin/header_cpp" "${libs[@]}"
    step "compile test_cpp.cpp, the C++ RAII layer, as C++17 ($variant)" "$CXX" "${cxxflags[@]}" -Ibindings/cpp \
        "${extra[@]}" -x c++ tests/c/test_cpp.cpp -x none "$bin/check.o" -o "$bin/test_cpp" "${libs[@]}"
    step "compile examples/c/computer_id.c ($variant)" "$CC" "${cflags[@]}" "${extra[@]}" \
        examples/c/computer_id.c -o "$bin/computer_id" "${libs[@]}"
    step "compile examples/c/airgap.c ($variant)" "$CC" "${cflags[@]}" "${extra[@]}" \
        examples/c/airgap.c -o "$bin/airgap" "${libs[@]}"
}

# check_airgap RUNNER... PROGRAM: the air-gap helper's whole round trip with the vendor's
# command line: request file, certificate, status, deactivation file (status LK_DEACTIVATED),
# old certificate refused.
check_airgap() {
    local out="$work/airgap-output" store files
    store="$(mktemp -d "$work/tmp/airgap.XXXXXX")"
    files="$(mktemp -d "$work/tmp/airgap-files.XXXXXX")"
    local -a helper=("$@" "$LK_TEST_PRODUCT" "$LK_TEST_PUBLIC_KEY" "$store")
    {
        "${helper[@]}" status | grep -qx 'status: LK_NOT_ACTIVATED.*' &&
        "${helper[@]}" request "$LK_TEST_LICENSE_CODE" "$files/request.txt" &&
        "$server_bin" offline activate --data-dir "$LK_TEST_DATA_DIR" --request "$files/request.txt" \
            >"$files/certificate.txt" &&
        "${helper[@]}" import "$files/certificate.txt" &&
        "${helper[@]}" status | grep -qx 'status: LK_OK (.*)' &&
        "${helper[@]}" deactivate "$files/deactivation.txt" &&
        "$server_bin" offline deactivate --data-dir "$LK_TEST_DATA_DIR" --certificate "$files/deactivation.txt" &&
        "${helper[@]}" status | grep -qx 'status: LK_DEACTIVATED.*' &&
        ! "${helper[@]}" import "$files/certificate.txt" 2>&1 | tee /dev/stderr | grep -q '^imported'
    } >"$out" 2>&1 || { cat "$out"; echo "the air-gapped round trip failed"; return 1; }
    cat "$out"
    no_valgrind_report "$out"
}

# run VARIANT [RUNNER...]: runs every program of a variant.
run() {
    local variant="$1" name label
    shift
    label="$variant${1:+, ${1##*/}}"
    # A fresh server for each variant: the capacity test draws its pools and tokens down.
    step "start a fresh licensekit-server ($label)" start_test_server "$server_bin" "$work"
    # test_capacity last: it draws the server's pools and tokens down and leaves seats held.
    for name in "${tests[@]/test_capacity/}" header_cpp test_cpp test_capacity; do
        [[ -n "$name" ]] || continue
        step "run $name ($label)" expect_summary "$@" "$work/bin/$variant/$name"
    done
    step "run examples/c/computer_id ($label)" check_example "$@" "$work/bin/$variant/computer_id"
    step "run examples/c/airgap ($label)" check_airgap "$@" "$work/bin/$variant/airgap"
}

# shellcheck source=scripts/lib/test-server.sh
. scripts/lib/test-server.sh

echo "licensekit C tests against $libdir"
trap '[[ -n "${LK_TEST_SERVER_PID:-}" ]] && kill "$LK_TEST_SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT
step "header alone: tests/c/header_only.c (C99, C11, C17, C++11, C++17, C++20)" header_alone
step "exports of liblicensekit.so" check_exports
step "LK_VERSION matches Cargo.toml" check_version

build shared -- "${shared_libs[@]}"
build static -- "${static_libs[@]}"
build sanitize "${sanitize[@]}" -- "${shared_libs[@]}"

run shared
run static
run shared "${valgrind[@]}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
run sanitize
unset ASAN_OPTIONS UBSAN_OPTIONS

echo "($((SECONDS - started)) s)"
if [[ $failed -gt 0 ]]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
