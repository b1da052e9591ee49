#!/usr/bin/env bash
# The installed tree of scripts/install, used as a C or C++ project would use it.
#
#   tests/install/run.sh [LIBDIR]      (LIBDIR defaults to target/release, built beforehand)
#
# Installs from LIBDIR into a temporary prefix, and once more staged (DESTDIR) with a Debian
# multiarch libdir; checks the layout and the SONAME chain; builds examples/c/computer_id.c
# with pkg-config (shared, static) and examples/cpp with CMake's find_package (shared,
# static) and runs them, the C++ one against a real licensekit-server on loopback. Prints
# `N passed, M failed` last. Needs cmake, pkg-config, cc, c++, objdump, curl and python3.
set -euo pipefail
started=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
libdir="$(cd "${1:-target/release}" && pwd)"
server_bin="${LK_SERVER_BIN:-$libdir/licensekit-server}"
for tool in cmake pkg-config cc c++ objdump curl python3; do
    command -v "$tool" >/dev/null || { echo "install tests: $tool is not installed" >&2; exit 2; }
done
[[ -x "$server_bin" ]] || { echo "install tests: $server_bin is missing (cargo build --release --workspace)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/lk-install-tests.XXXXXX")"
trap '[[ -n "${LK_TEST_SERVER_PID:-}" ]] && kill "$LK_TEST_SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/logs" "$work/tmp" "$work/xdg"
export TMPDIR="$work/tmp" XDG_DATA_HOME="$work/xdg"
passed=0 failed=0 failures=()
# shellcheck source=tests/lib/step.sh
. tests/lib/step.sh
# shellcheck source=scripts/lib/test-server.sh
. scripts/lib/test-server.sh

version="$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)"
prefix="$work/prefix"
staged_prefix=/opt/licensekit-test

# soname_chain LIB: liblicensekit.so -> .so.MAJOR -> .so.VERSION, whose SONAME is .so.MAJOR.
soname_chain() {
    local lib="$1" major="${version%%.*}"
    [[ "$(readlink "$lib/liblicensekit.so")" == "liblicensekit.so.$major" ]] || { echo "bad .so link"; return 1; }
    [[ "$(readlink "$lib/liblicensekit.so.$major")" == "liblicensekit.so.$version" ]] ||
        { echo "bad .so.$major link"; return 1; }
    [[ -f "$lib/liblicensekit.so.$version" && ! -L "$lib/liblicensekit.so.$version" ]] || return 1
    objdump -p "$lib/liblicensekit.so.$version" | grep -E "^ +SONAME +liblicensekit\.so\.$major\$"
}

layout() {
    local lib="$1" inc="$2" f
    for f in "$inc/licensekit.h" "$inc/licensekit.hpp" "$lib/liblicensekit.a" "$lib/pkgconfig/licensekit.pc" \
        "$lib/pkgconfig/licensekit-static.pc" "$lib/cmake/licensekit/licensekitConfig.cmake" \
        "$lib/cmake/licensekit/licensekitConfigVersion.cmake"; do
        [[ -f "$f" ]] || { echo "missing: $f"; return 1; }
    done
    cmp include/licensekit.h "$inc/licensekit.h"
    soname_chain "$lib"
}

# The staged install names its real prefix in the .pc files, not the staging directory.
staged_paths() {
    local pc="$work/stage$staged_prefix/lib/x86_64-linux-gnu/pkgconfig/licensekit.pc"
    grep -qx "prefix=$staged_prefix" "$pc" && grep -qx "libdir=$staged_prefix/lib/x86_64-linux-gnu" "$pc" &&
        ! grep -rq "$work/stage" "$work/stage$staged_prefix/lib/x86_64-linux-gnu"
}

# pkg_config_flags: what pkg-config says for the installed tree.
pkg_config_flags() {
    [[ "$(pkg-config --modversion licensekit)" == "$version" ]] || return 1
    pkg-config --static --libs licensekit | tee /dev/stderr | grep -q -- '-ldl' || return 1
    pkg-config --libs licensekit-static | tee /dev/stderr | grep -q "liblicensekit\.a"
}

# needs BINARY yes|no: whether BINARY loads liblicensekit.so.0 at run time.
needs() {
    local found=no
    objdump -p "$1" | grep -Eq "NEEDED +liblicensekit\.so\.${version%%.*}\$" && found=yes
    [[ "$found" == "$2" ]] || { echo "$1: NEEDED liblicensekit: $found, expected $2"; return 1; }
}

# computer_id_example BINARY: runs examples/c/computer_id with nothing on the library path.
computer_id_example() {
    env -u LD_LIBRARY_PATH "$1" 6872450105 | tee /dev/stderr | grep -qx "licensekit $version"
}

pkg_config_build() {
    local kind="$1" pc=licensekit rpath=()
    [[ "$kind" == static ]] && pc=licensekit-static
    [[ "$kind" == shared ]] && rpath=(-Wl,-rpath,"$(pkg-config --variable=libdir licensekit)")
    # shellcheck disable=SC2046
    cc -std=c99 -Wall -Werror examples/c/computer_id.c $(pkg-config --cflags --libs "$pc") "${rpath[@]}" \
        -o "$work/computer_id-$kind"
    needs "$work/computer_id-$kind" "$([[ "$kind" == shared ]] && echo yes || echo no)"
}

cmake_build() {
    local kind="$1" prefix_path="$2" static=OFF
    [[ "$kind" == static ]] && static=ON
    cmake -S examples/cpp -B "$work/cmake-$kind" -DCMAKE_PREFIX_PATH="$prefix_path" -DLICENSEKIT_STATIC="$static" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" &&
        cmake --build "$work/cmake-$kind" &&
        needs "$work/cmake-$kind/first" "$([[ "$kind" == shared ]] && echo yes || echo no)"
}

# cmake_version_check: a request for another major version is refused.
cmake_version_check() {
    mkdir -p "$work/cmake-v2"
    printf 'cmake_minimum_required(VERSION 3.16)\nproject(v LANGUAGES CXX)\nfind_package(licensekit 1.0 REQUIRED)\n' \
        >"$work/cmake-v2/CMakeLists.txt"
    ! cmake -S "$work/cmake-v2" -B "$work/cmake-v2/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake-v2.log" 2>&1 &&
        grep -q 'version: 0' "$work/cmake-v2.log" || { cat "$work/cmake-v2.log"; return 1; }
}

# first_program BINARY: the C++ example's whole run against the server.
first_program() {
    local out="$work/first.out" store
    store="$(mktemp -d "$work/tmp/store.XXXXXX")"
    env -u LD_LIBRARY_PATH "$1" "$LK_TEST_PRODUCT" "$LK_TEST_PUBLIC_KEY" "$LK_TEST_SERVER_URL" \
        "$LK_TEST_CAPACITY_CODE" "$store" >"$out" 2>&1 || { cat "$out"; return 1; }
    cat "$out"
    grep -qx 'status now LK_OK' "$out" && grep -qx 'EXPORT: enabled' "$out" &&
        grep -qx 'SOLVER seat held: LK_OK' "$out" && grep -qx 'deactivated: LK_DEACTIVATED' "$out"
}

# readme_cpp: the README's C++ block is the body of examples/cpp/first.cpp, word for word.
readme_cpp() {
    python3 - <<'PY'
import re, textwrap
section = open("README.md").read().split("### C++\n", 1)[1].split("\n### ", 1)[0]
blocks = re.findall(r"^```cpp\n(.*?)^```", section, re.S | re.M)
assert len(blocks) == 1, f"{len(blocks)} C++ blocks in the README's C++ section"
example = open("examples/cpp/first.cpp").read()
assert textwrap.indent(blocks[0], " " * 8, lambda line: line.strip() != "") in example, "not in examples/cpp/first.cpp"
PY
}

echo "licensekit install tests from $libdir"
step "scripts/install --prefix" scripts/install --prefix "$prefix" --from "$libdir"
step "installed layout and SONAME chain" layout "$prefix/lib" "$prefix/include"
step "staged install (DESTDIR, --libdir lib/x86_64-linux-gnu)" env DESTDIR="$work/stage" scripts/install \
    --prefix "$staged_prefix" --libdir lib/x86_64-linux-gnu --from "$libdir"
step "staged layout" layout "$work/stage$staged_prefix/lib/x86_64-linux-gnu" "$work/stage$staged_prefix/include"
step "staged files name the real prefix" staged_paths
step "bad arguments refused" bash -c '! scripts/install 2>/dev/null && ! scripts/install --prefix "$1" --libdir ../x 2>/dev/null' _ "$work/bad"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
step "pkg-config: version and flags" pkg_config_flags
for kind in shared static; do
    step "pkg-config consumer ($kind): build" pkg_config_build "$kind"
    step "pkg-config consumer ($kind): run" computer_id_example "$work/computer_id-$kind"
done
unset PKG_CONFIG_PATH

step "start licensekit-server" start_test_server "$server_bin" "$work"
step "CMake consumer (shared): build" cmake_build shared "$prefix"
step "CMake consumer (shared): run" first_program "$work/cmake-shared/first"
# The static one from the staged tree: the CMake package finds its prefix from its own place.
step "CMake consumer (static, moved tree): build" cmake_build static "$work/stage$staged_prefix"
step "CMake consumer (static, moved tree): run" first_program "$work/cmake-static/first"
step "CMake refuses another major version" cmake_version_check
step "the README's C++ block is examples/cpp/first.cpp's" readme_cpp

echo "($((SECONDS - started)) s)"
[[ $failed -eq 0 ]] || printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
