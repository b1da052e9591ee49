# Sourced by tests/c/run.sh and scripts/bench: starts a fresh licensekit-server on a free
# loopback port and prepares it through the Web API with curl.
#
#   start_test_server SERVER_BIN WORKDIR
#
# Creates a product (feature EXPORT, UDF EDITION=pro, 1000 clients, 24 h lease, 30 days
# offline) and one license code, and exports LK_TEST_SERVER_URL, LK_TEST_PUBLIC_KEY,
# LK_TEST_PRODUCT, LK_TEST_LICENSE_CODE, LK_TEST_SERVER_PID, and LK_TEST_SERVER_BIN and
# LK_TEST_DATA_DIR for the vendor command line. Returns non-zero on failure.
# Needs curl and python3.

start_test_server() {
    local bin="$1" work="$2" data first url auth product code
    data="$work/server"
    "$bin" init --data-dir "$data" --json >"$work/init.json" || return 1
    "$bin" serve --data-dir "$data" --listen 127.0.0.1:0 >"$work/server.out" 2>"$work/server.err" &
    LK_TEST_SERVER_PID=$!
    export LK_TEST_SERVER_PID
    for _ in $(seq 300); do
        first="$(head -n 1 "$work/server.out" 2>/dev/null || true)"
        [[ "$first" == *http://* ]] && break
        sleep 0.1
    done
    url="http://${first#*http://}"
    url="${url%% *}"
    init_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$1)" "$work/init.json"; }
    auth="Authorization: bearer $(init_field "['customer_id']"):$(init_field "['api_keys']['read_write']")"
    product="$(curl -sf -X POST "$url/api/Product" -H "$auth" -d '{"productname": "licensekit tests",
        "clientsallowed": 1000, "clientleaseperiod": 24, "clientofflineleaseperiod": 30,
        "features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "Export drawings"}],
        "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "pro"}]}')" || return 1
    product="$(printf '%s' "$product" | tr -d '"' | sed 's/.* : //')"
    code="$(curl -sf -X POST "$url/api/LicenseCode" -H "$auth" -d "{\"productid\": \"$product\", \"numcodes\": 1}")" ||
        return 1
    code="$(printf '%s' "$code" | tr -d '"' | sed 's/.* : //')"
    LK_TEST_PUBLIC_KEY="$(init_field "['public_key']")"
    export LK_TEST_SERVER_URL="$url" LK_TEST_PRODUCT="$product" LK_TEST_LICENSE_CODE="$code" LK_TEST_PUBLIC_KEY
    export LK_TEST_SERVER_BIN="$bin" LK_TEST_DATA_DIR="$data"
    [[ -n "$product" && -n "$code" && "$url" == http://127.0.0.1:* ]]
}
