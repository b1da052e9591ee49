# Sourced by tests/c/run.sh and scripts/bench: starts a fresh licensekit-server on a free
# loopback port and prepares it through the Web API with curl.
#
#   start_test_server SERVER_BIN WORKDIR
#
# Calling it again stops the previous server and starts a fresh one (new data, new IDs).
#
# Creates a product (feature EXPORT, floating SOLVER, element pool MESH, tokens RENDER, UDF
# EDITION=pro, 1000 clients, 24 h lease, 30 days offline) with one license code, and a
# capacity code (10 SOLVER seats, 1000 MESH elements, 1000 RENDER tokens, cloud concurrency of
# 4 processes); exports LK_TEST_SERVER_URL, LK_TEST_PUBLIC_KEY, LK_TEST_PRODUCT,
# LK_TEST_LICENSE_CODE, LK_TEST_CAPACITY_CODE, LK_TEST_SERVER_PID, LK_TEST_SERVER_BIN and
# LK_TEST_DATA_DIR for the vendor command line, and LK_TEST_AUTH (the read-write key's
# Authorization header) for the Web API. Returns non-zero on failure.
# Needs curl and python3.

start_test_server() {
    local bin="$1" work="$2" home data first url auth product code capacity
    [[ -n "${LK_TEST_SERVER_PID:-}" ]] && kill "$LK_TEST_SERVER_PID" 2>/dev/null
    home="$(mktemp -d "$work/server.XXXXXX")"
    data="$home/data"
    "$bin" init --data-dir "$data" --json >"$home/init.json" || return 1
    "$bin" serve --data-dir "$data" --listen 127.0.0.1:0 >"$home/server.out" 2>"$home/server.err" &
    LK_TEST_SERVER_PID=$!
    export LK_TEST_SERVER_PID
    for _ in $(seq 300); do
        first="$(head -n 1 "$home/server.out" 2>/dev/null || true)"
        [[ "$first" == *http://* ]] && break
        sleep 0.1
    done
    url="http://${first#*http://}"
    url="${url%% *}"
    init_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$1)" "$home/init.json"; }
    auth="Authorization: bearer $(init_field "['customer_id']"):$(init_field "['api_keys']['read_write']")"
    product="$(curl -sf -X POST "$url/api/Product" -H "$auth" -d '{"productname": "licensekit tests",
        "clientsallowed": 1000, "clientleaseperiod": 24, "clientofflineleaseperiod": 30,
        "features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "Export drawings"},
          {"featurecode": "SOLVER", "featurename": "Solver", "notes": "Floating", "featuretype": "floating"},
          {"featurecode": "MESH", "featurename": "Mesh", "notes": "Pool", "featuretype": "elementpool"},
          {"featurecode": "RENDER", "featurename": "Render", "notes": "Tokens", "featuretype": "consumptiontokens"}],
        "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "pro"}]}')" || return 1
    product="$(printf '%s' "$product" | tr -d '"' | sed 's/.* : //')"
    code="$(curl -sf -X POST "$url/api/LicenseCode" -H "$auth" -d "{\"productid\": \"$product\", \"numcodes\": 1}")" ||
        return 1
    code="$(printf '%s' "$code" | tr -d '"' | sed 's/.* : //')"
    capacity="$(curl -sf -X POST "$url/api/LicenseCode" -H "$auth" -d "{\"productid\": \"$product\", \"numcodes\": 1}")" ||
        return 1
    capacity="$(printf '%s' "$capacity" | tr -d '"' | sed 's/.* : //')"
    curl -sf -X PUT "$url/api/LicenseCode" -H "$auth" -d "{\"productid\": \"$product\", \"licensecode\": \"$capacity\",
        \"concurrencymode\": \"cloud\", \"concurrentprocesses\": 4, \"features\": [
        {\"featurecode\": \"SOLVER\", \"featureavailability\": \"on\", \"limit\": 10},
        {\"featurecode\": \"MESH\", \"featureavailability\": \"on\", \"limit\": 1000},
        {\"featurecode\": \"RENDER\", \"featureavailability\": \"on\", \"limit\": 1000}]}" >/dev/null || return 1
    export LK_TEST_CAPACITY_CODE="$capacity"
    LK_TEST_PUBLIC_KEY="$(init_field "['public_key']")"
    export LK_TEST_SERVER_URL="$url" LK_TEST_PRODUCT="$product" LK_TEST_LICENSE_CODE="$code" LK_TEST_PUBLIC_KEY
    export LK_TEST_SERVER_BIN="$bin" LK_TEST_DATA_DIR="$data" LK_TEST_AUTH="$auth"
    [[ -n "$product" && -n "$code" && -n "$capacity" && "$url" == http://127.0.0.1:* ]]
}
