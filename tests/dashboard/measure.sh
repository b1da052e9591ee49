#!/usr/bin/env bash
# Figures for server/README.md: how long the dashboard's code list takes to arrive with 10^4
# and 10^5 license codes in the database, and what its main pages weigh.
#
#   tests/dashboard/measure.sh [LIBDIR]   (LIBDIR defaults to target/release)
#
# Starts a release licensekit-server on a fresh SQLite data directory (or, with
# LK_MEASURE_POSTGRES=URL, on a fresh database it creates on that PostgreSQL server and drops
# after), makes the codes through the Web API
# (POST LicenseCode, 10^4 a request), signs in to the dashboard with curl and times each page
# (the median of 5 requests, from the request to the last byte of the HTML; the style sheet is
# cached by the browser and the pages run no script), then, when Chromium and playwright-core
# are there, the time to the first contentful paint in Chromium (first-render.mjs). Needs curl
# and python3.

set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
libdir="$(cd "${1:-$root/target/release}" && pwd)"
bin="$libdir/licensekit-server"
work="$(mktemp -d)"
database="lk_measure_$$"
cleanup() {
    kill "${pid:-}" 2>/dev/null && wait "$pid" 2>/dev/null
    [[ -n "${LK_MEASURE_POSTGRES:-}" ]] && psql -X -q "$LK_MEASURE_POSTGRES" -c "DROP DATABASE IF EXISTS $database" >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
if [[ -n "${LK_MEASURE_POSTGRES:-}" ]]; then
    psql -X -q "$LK_MEASURE_POSTGRES" -c "CREATE DATABASE $database" >/dev/null
    location=(--database "${LK_MEASURE_POSTGRES%/*}/$database")
    backend=PostgreSQL
else
    location=(--data-dir "$work/data")
    backend=SQLite
fi
"$bin" init "${location[@]}" --json >"$work/init.json"
"$bin" serve "${location[@]}" --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 300); do grep -q http:// "$work/out" 2>/dev/null && break; sleep 0.1; done
base="$(sed -n 's#.*\(http://[^ ]*\).*#\1#p' "$work/out" | head -1)"
field() { python3 -c "import json,sys; print(json.load(open('$work/init.json'))$1)"; }
key="$(field "['api_keys']['read_write']")"
auth="Authorization: bearer $(field "['customer_id']"):$key"
product="$(curl -sf "$base/api/Product" -H "$auth" -d '{"productname": "Measured", "clientsallowed": 5}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin).rsplit(" ", 1)[1])')"
company="$(curl -sf "$base/api/Company" -H "$auth" -d "{\"productid\": \"$product\", \"company\": \"Acme Measured\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).rsplit(" ", 1)[1])')"
cookie="$(curl -s -o /dev/null -D - --data-urlencode "apikey=$key" "$base/dashboard/sign-in" |
    sed -n 's/^set-cookie: \(lk_dashboard=[0-9a-f]*\).*/\1/ip')"

median() { # URL: the median time to the last byte of 5 requests, in ms
    for _ in 1 2 3 4 5; do
        curl -s -o /dev/null -w '%{time_total}\n' -b "$cookie" "$1"
    done | sort -n | sed -n 3p | python3 -c 'import sys; print(round(float(sys.stdin.read()) * 1000, 1))'
}
made=0
for target in 10000 100000; do
    while [[ $made -lt $target ]]; do
        extra=""
        [[ $made -eq 0 ]] && extra=", \"companyid\": $company"
        curl -sf "$base/api/LicenseCode" -H "$auth" -d "{\"productid\": \"$product\", \"numcodes\": 10000$extra}" >/dev/null
        made=$((made + 10000))
    done
    echo "$backend, $made codes: code list $(median "$base/dashboard/codes") ms;" \
        "sorted by company $(median "$base/dashboard/codes?sort=company&order=asc") ms;" \
        "searched by company $(median "$base/dashboard/codes?code=acme") ms;" \
        "last page $(median "$base/dashboard/codes?page=$((made / 50))") ms"
    if [[ -x "${LK_CHROMIUM:-/usr/bin/chromium}" && -d "$root/tests/dashboard/node_modules/playwright-core" ]]; then
        echo "$backend, $made codes, in Chromium: $(node "$root/tests/dashboard/first-render.mjs" "$base" "$key")"
    fi
done
for page in sign-in codes "code?productid=$product&licensecode=$(curl -sf "$base/api/LicenseCodes?productid=$product&pagenumber=1&pagesize=1" -H "$auth" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["licenseCode"])')" events products; do
    bytes="$(curl -s -b "$cookie" "$base/dashboard/$page" | wc -c)"
    echo "page ${page%%\?*}: $bytes bytes of HTML"
done
echo "style.css: $(curl -s "$base/dashboard/style.css" | wc -c) bytes; JavaScript: none"
