#!/usr/bin/env bash
# The dashboard in a real browser (the `dashboard` step of scripts/test): Playwright
# (playwright-core from npm) drives Debian's Chromium headless against a real release
# licensekit-server on loopback, with a real C client built against the release library.
#
#   tests/dashboard/run.sh [LIBDIR]   (LIBDIR defaults to target/release)
#
# LIBDIR holds liblicensekit.so and licensekit-server (`cargo build --release --workspace`).
# Needs node, cc, /usr/bin/chromium (apt-get install chromium; LK_CHROMIUM to use another)
# and `npm ci --prefix tests/dashboard --ignore-scripts`. Prints `N passed, M failed` last.
# LK_DASHBOARD_SCREENSHOTS=DIR also saves the main pages there (docs/dashboard/ is made so).

set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
libdir_arg="${1:-${LK_LIBDIR:-target/release}}"
cd "$root"
if ! libdir="$(cd "$libdir_arg" 2>/dev/null && pwd)"; then
    echo "run.sh: no such library directory: $libdir_arg" >&2
    exit 2
fi
[[ -f "$libdir/liblicensekit.so" && -x "$libdir/licensekit-server" ]] ||
    { echo "run.sh: $libdir lacks liblicensekit.so or licensekit-server (cargo build --release --workspace)" >&2; exit 2; }
chromium="${LK_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$chromium" ]] || { echo "run.sh: $chromium is missing (apt-get install chromium)" >&2; exit 2; }
[[ -d tests/dashboard/node_modules/playwright-core ]] ||
    { echo "run.sh: run \`npm ci --prefix tests/dashboard --ignore-scripts\` first" >&2; exit 2; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
rc=0
LK_LIBDIR="$libdir" LK_CHROMIUM="$chromium" \
    node --test --test-reporter=tap tests/dashboard/dashboard.test.mjs >"$out" 2>&1 || rc=$?
cat "$out"
pass="$(sed -n 's/^# pass //p' "$out")"
fail="$(sed -n 's/^# fail //p' "$out")"
echo "${pass:-0} passed, ${fail:-1} failed"
[[ $rc -eq 0 && "${fail:-1}" -eq 0 && "${pass:-0}" -gt 0 ]]
