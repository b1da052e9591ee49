#!/usr/bin/env bash
# The C#, Node.js and Java bindings, each tested in its own language against a real
# licensekit-server on loopback.
#
#   tests/bindings/run.sh dotnet|node|java [LIBDIR]   (LIBDIR defaults to target/release)
#
# For the language given: builds the binding and its tests, starts a fresh server prepared
# through the Web API (scripts/lib/test-server.sh), runs the tests with
# LICENSEKIT_LIBRARY=LIBDIR/liblicensekit.so and LK_TEST_OTHER_VERSION_LIBRARY (a copy of the
# library whose lk_version() says 9.9.9, to check the refusal); runs the binding's README
# first program from a copy of the package with the library next to it and no
# LICENSEKIT_LIBRARY; then measures one feature_enabled call through the binding and
# through C on the same store, and the binding's load time. Prints `N passed, M failed`
# last (steps), and the figures before it.
#
# Needs: dotnet: mono-devel (mcs, mono); node: node and `npm ci` run in bindings/node;
# java: a JDK 17 (javac, java), libjna-java and junit5 (/usr/share/java). All: cc, curl,
# python3.

set -euo pipefail
started=$SECONDS
lang="${1:-}"
case "$lang" in
dotnet | node | java) ;;
*)
    echo "usage: tests/bindings/run.sh dotnet|node|java [LIBDIR]" >&2
    exit 2
    ;;
esac
libdir_arg="${2:-${LK_LIBDIR:-target/release}}"
if ! libdir="$(cd "$libdir_arg" 2>/dev/null && pwd)"; then
    echo "run.sh: no such library directory: $libdir_arg" >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
library="$libdir/liblicensekit.so"
server_bin="${LK_SERVER_BIN:-$libdir/licensekit-server}"
[[ -f "$library" && -x "$server_bin" ]] ||
    { echo "run.sh: $library or $server_bin is missing (run \`cargo build --release --workspace\`)" >&2; exit 2; }
java_jars=/usr/share/java
junit="$java_jars/junit-platform-console-standalone.jar"
need=("${CC:-cc}" curl python3)
case "$lang" in
dotnet) need+=(mcs mono) ;;
node) need+=(node) ;;
java) need+=(javac java) ;;
esac
for tool in "${need[@]}"; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed (.ci/run installs it)" >&2; exit 2; }
done
if [[ $lang == node && ! -d bindings/node/node_modules/koffi ]]; then
    echo "run.sh: bindings/node/node_modules is missing: run \`npm ci\` in bindings/node" >&2
    exit 2
fi
if [[ $lang == java && ! ( -f "$java_jars/jna.jar" && -f "$junit" ) ]]; then
    echo "run.sh: $java_jars/jna.jar or $junit is missing (apt-get install libjna-java junit5)" >&2
    exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/lk-bindings-$lang.XXXXXX")"
mkdir -p "$work/logs" "$work/tmp" "$work/xdg" "$work/build"
trap '[[ -n "${LK_TEST_SERVER_PID:-}" ]] && kill "$LK_TEST_SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT
# Everything the programs write (stores, installation IDs) stays in $work.
export TMPDIR="$work/tmp" XDG_DATA_HOME="$work/xdg"
export LICENSEKIT_LIBRARY="$library" LK_HEADER="$root/include/licensekit.h"
LK_TEST_VERSION="$(sed -n 's/^#define LK_VERSION "\(.*\)"$/\1/p' include/licensekit.h)"
export LK_TEST_OTHER_VERSION_LIBRARY="$work/other-version/liblicensekit.so"
passed=0
failed=0
failures=()
figures="$work/figures"
: >"$figures"

# shellcheck source=tests/lib/step.sh
. tests/lib/step.sh
# shellcheck source=scripts/lib/test-server.sh
. scripts/lib/test-server.sh

# A copy of the library whose lk_version() answers 9.9.9: its version string is patched in
# place (same length), so everything else about the file is the real library.
other_version_library() {
    mkdir -p "$(dirname "$LK_TEST_OTHER_VERSION_LIBRARY")"
    python3 - "$library" "$LK_TEST_OTHER_VERSION_LIBRARY" "$LK_TEST_VERSION" <<'PY'
import sys
src, dst, version = sys.argv[1], sys.argv[2], sys.argv[3].encode()
data = open(src, "rb").read()
needle = b"\0" + version + b"\0"
if data.count(needle) != 1:
    sys.exit(f"expected one NUL-delimited {version!r} in {src}, found {data.count(needle)}")
other = b"9.9.9"[: len(version)].ljust(len(version), b"9")
open(dst, "wb").write(data.replace(needle, b"\0" + other + b"\0"))
PY
}

# ---- per language: build, test, first program, bench ------------------------------------

dotnet_build() {
    mcs -target:library -warnaserror -out:"$work/build/Licensekit.dll" bindings/dotnet/src/*.cs
    mcs -target:exe -warnaserror -out:"$work/build/LicensekitTests.exe" -r:"$work/build/Licensekit.dll" \
        -r:System.Core.dll bindings/dotnet/tests/Tests.cs
    mcs -target:exe -warnaserror -out:"$work/build/FirstProgram.exe" -r:"$work/build/Licensekit.dll" \
        bindings/dotnet/examples/FirstProgram.cs
}
dotnet_test() { expect_last_line mono --debug "$work/build/LicensekitTests.exe"; }
dotnet_package() { cp "$work/build/Licensekit.dll" "$work/build/FirstProgram.exe" "$1/"; }
dotnet_first() { local dir="$1"; shift; mono "$dir/FirstProgram.exe" "$@"; }
dotnet_bench() { mono "$work/build/LicensekitTests.exe" bench "$1"; }
dotnet_example=bindings/dotnet/examples/FirstProgram.cs

node_build() { node --check bindings/node/index.js; }
node_test() {
    # One file at a time (the files share the server's license seats), TAP counts summed.
    local file out="$work/node-tests.tap" rc=0 pass=0 fail=0
    for file in bindings/node/test/*.test.js; do
        node --test --test-reporter=tap "$file" >"$out" 2>&1 || rc=$?
        cat "$out"
        pass=$((pass + $(sed -n 's/^# pass //p' "$out")))
        fail=$((fail + $(sed -n 's/^# fail //p' "$out")))
    done
    [[ $rc -eq 0 && $fail -eq 0 && $pass -gt 0 ]] && echo "$pass passed, 0 failed"
}
node_package() { cp -r bindings/node/. "$1/"; }
node_first() { local dir="$1"; shift; node "$dir/examples/first.js" "$@"; }
node_bench() { node bindings/node/bench/feature.js "$1"; }
node_example=bindings/node/examples/first.js

java_classpath() { echo "$java_jars/jna.jar:$work/build/classes"; }
java_build() {
    mkdir -p "$work/build/classes" "$work/build/test-classes"
    javac -Xlint:all -Werror --release 17 -cp "$java_jars/jna.jar" -d "$work/build/classes" \
        $(find bindings/java/src/main -name '*.java')
    javac -Xlint:all -Werror --release 17 -cp "$(java_classpath):$java_jars/junit-jupiter-api.jar:$java_jars/apiguardian-api.jar:$java_jars/opentest4j.jar:$java_jars/junit-platform-commons.jar" \
        -d "$work/build/test-classes" $(find bindings/java/src/test -name '*.java')
    javac -Xlint:all -Werror --release 17 -cp "$(java_classpath)" -d "$work/build/example" \
        bindings/java/examples/FirstProgram.java
    (cd "$work/build/classes" && jar cf "$work/build/licensekit.jar" .)
}
java_test() {
    local out="$work/junit.out" rc=0
    java -jar "$junit" --disable-banner --details=tree \
        -cp "$(java_classpath):$work/build/test-classes" --select-package dev.licensekit >"$out" 2>&1 || rc=$?
    cat "$out"
    local ok bad
    ok="$(sed -n 's/.*\[ *\([0-9]*\) tests successful *\].*/\1/p' "$out")"
    bad="$(sed -n 's/.*\[ *\([0-9]*\) tests failed *\].*/\1/p' "$out")"
    [[ $rc -eq 0 && "${ok:-0}" -gt 0 && "$bad" == 0 ]] && echo "$ok passed, 0 failed"
}
java_package() { cp "$work/build/licensekit.jar" "$1/"; cp -r "$work/build/example/." "$1/"; }
java_first() { local dir="$1"; shift; java -cp "$java_jars/jna.jar:$dir/licensekit.jar:$dir" FirstProgram "$@"; }
java_bench() { java -cp "$(java_classpath):$work/build/test-classes" dev.licensekit.FeatureBench "$1"; }
java_example=bindings/java/examples/FirstProgram.java

# expect_last_line COMMAND...: the program exits 0 with "N passed, 0 failed" last.
expect_last_line() {
    local out="$work/last-output" rc=0
    "$@" >"$out" 2>&1 || rc=$?
    cat "$out"
    [[ $rc -eq 0 ]] && tail -n 1 "$out" | grep -Eq '^[1-9][0-9]* passed, 0 failed$'
}

# The tests' own count, for the summary.
tests_summary() {
    local log="$work/logs/${lang}_tests.log"
    printf '%s tests: %s\n' "$lang" "$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)" >>"$figures"
}

# The README's first program is the committed example, word for word.
readme_has_example() {
    local example_var="${lang}_example"
    python3 - "bindings/$lang/README.md" "${!example_var}" <<'PY'
import sys
readme, example = open(sys.argv[1]).read(), open(sys.argv[2]).read()
if example.strip() not in readme:
    sys.exit(f"{sys.argv[1]} does not show {sys.argv[2]} as it is")
print(f"{sys.argv[1]} shows {sys.argv[2]}")
PY
}

# The first program, run from a copy of the package with the library beside it, no
# LICENSEKIT_LIBRARY and no library path: activate, check EXPORT, deactivate.
first_program_next_to_package() {
    local dir="$work/package" out="$work/first.out" store
    store="$(mktemp -d "$work/tmp/first.XXXXXX")"
    mkdir -p "$dir"
    "${lang}_package" "$dir"
    cp "$library" "$dir/"
    (unset LICENSEKIT_LIBRARY LD_LIBRARY_PATH; "${lang}_first" "$dir" "$LK_TEST_PRODUCT" "$LK_TEST_PUBLIC_KEY" "$LK_TEST_SERVER_URL" "$LK_TEST_LICENSE_CODE" "$store") \
        >"$out" 2>&1 || { cat "$out"; return 1; }
    cat "$out"
    grep -qxF "licensekit $LK_TEST_VERSION ($dir/$(basename "$library"))" "$out" ||
        { echo "the program did not load the library next to the package"; return 1; }
    grep -qx 'activated' "$out" && grep -qx 'EXPORT is enabled' "$out" && grep -qx 'deactivated' "$out"
}

# feature_enabled through the binding, then through C on the store the binding activated.
bench() {
    local store
    store="$(mktemp -d "$work/tmp/bench.XXXXXX")"
    "${CC:-cc}" -std=c99 -O2 -Wall -Wextra -Werror -Iinclude tests/bindings/feature_bench.c -o "$work/feature_bench" \
        -L"$libdir" -Wl,-rpath,"$libdir" -llicensekit
    "${lang}_bench" "$store" | tee -a "$figures"
    "$work/feature_bench" "$LK_TEST_PRODUCT" "$LK_TEST_PUBLIC_KEY" "$store" EXPORT | tee -a "$figures"
}

echo "licensekit $lang binding tests against $libdir"
step "build the $lang binding, its tests and its first program" "${lang}_build"
step "a copy of the library that says it is 9.9.9" other_version_library
step "start a fresh licensekit-server" start_test_server "$server_bin" "$work"
step "$lang tests" "${lang}_test"
tests_summary
step "bindings/$lang/README.md shows the first program" readme_has_example
step "the first program, with the library next to the package" first_program_next_to_package
step "feature_enabled through $lang and through C; load time" bench

echo "($((SECONDS - started)) s)"
cat "$figures"
if [[ $failed -gt 0 ]]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
