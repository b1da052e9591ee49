#!/usr/bin/env bash
# The LAN daemon across hosts: the daemon and two workstations each in a network namespace of
# its own, linked by veth pairs (10.77.1.0/24 and 10.77.2.0/24: this test's own hosts, nothing
# else is there). The site is air-gapped: its daemon is activated by request and certificate
# files through the vendor's Web API (licensekit-server on loopback, outside the namespaces),
# then serves its one seat; the workstations are C programs (tests/lan/workstation.c) that
# find the daemon through LICENSEKIT_LAN_SERVER. Needs root (ip netns), curl and python3.
#   tests/lan/netns.sh LIBDIR     (e.g. target/release, with licensekit-server and licensekit-lan)
set -euo pipefail
cd "$(dirname "$0")/../.."
lib="$(cd "${1:?usage: tests/lan/netns.sh LIBDIR}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/lk-netns.XXXXXX")"
ns="lk$$"
daemon_pid=""
cleanup() {
    [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null
    [[ -n "${LK_TEST_SERVER_PID:-}" ]] && kill "$LK_TEST_SERVER_PID" 2>/dev/null
    for host in d w1 w2; do ip netns del "$ns-$host" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=../../scripts/lib/test-server.sh
source scripts/lib/test-server.sh
start_test_server "$lib/licensekit-server" "$work"
product="$LK_TEST_PRODUCT"
key="$LK_TEST_PUBLIC_KEY"
url="$LK_TEST_SERVER_URL"

echo "the vendor makes a one-seat network master license"
master="$(curl -sf -X POST "$url/api/NetworkMasterLicense" -H "$LK_TEST_AUTH" \
    -d "{\"productid\": \"$product\", \"networkseats\": 1, \"heartbeat\": 5}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin).split()[-1])')"
[[ -n "$master" ]]
lan=("$lib/licensekit-lan" --product-id "$product" --public-key "$key" --data-dir "$work/daemon")

echo "the air-gapped daemon is activated by files"
"${lan[@]}" request "$master" --out "$work/request.txt"
python3 - "$work/request.txt" "$product" >"$work/query.json" <<'PY'
import json, sys
print(json.dumps({"productid": sys.argv[2], "activationcertificate": open(sys.argv[1]).read()}))
PY
curl -sf -X GET "$url/api/OfflineActivation" -H "$LK_TEST_AUTH" -H "Content-Type: application/json" \
    --data-binary @"$work/query.json" | python3 -c 'import json,sys; print(json.load(sys.stdin))' >"$work/certificate.txt"
"${lan[@]}" import "$work/certificate.txt" | tee "$work/import.out"
grep -q "status LK_OK" "$work/import.out"

echo "three hosts: the daemon (10.77.1.1, 10.77.2.1) and two workstations (10.77.1.2, 10.77.2.2)"
for host in d w1 w2; do
    ip netns add "$ns-$host"
    ip -n "$ns-$host" link set lo up
done
for n in 1 2; do
    ip link add "$ns-d$n" type veth peer name "$ns-w$n"
    ip link set "$ns-d$n" netns "$ns-d"
    ip link set "$ns-w$n" netns "$ns-w$n"
    ip -n "$ns-d" addr add "10.77.$n.1/24" dev "$ns-d$n"
    ip -n "$ns-w$n" addr add "10.77.$n.2/24" dev "$ns-w$n"
    ip -n "$ns-d" link set "$ns-d$n" up
    ip -n "$ns-w$n" link set "$ns-w$n" up
done

ip netns exec "$ns-d" "${lan[@]}" serve --listen 0.0.0.0:27000 >"$work/daemon.out" 2>"$work/daemon.err" &
daemon_pid=$!
for _ in $(seq 100); do grep -q serving "$work/daemon.out" 2>/dev/null && break; sleep 0.1; done
cat "$work/daemon.out"
grep -q "serving 1 network seats" "$work/daemon.out"

cc -std=c99 -Wall -Wextra -Werror -Iinclude tests/lan/workstation.c -L"$lib" -llicensekit \
    -Wl,-rpath,"$lib" -o "$work/workstation"
workstation() {
    local host="$1" daemon="$2"
    shift 2
    ip netns exec "$ns-$host" env LICENSEKIT_LAN_SERVER="$daemon:27000" \
        "$work/workstation" "$product" "$key" "$work/store-$host" "$@"
}

echo "workstation 1 takes the seat and holds it"
workstation w1 10.77.1.1 LK_OK 4 >"$work/w1.out" &
w1=$!
for _ in $(seq 100); do grep -q held "$work/w1.out" 2>/dev/null && break; sleep 0.1; done
grep -q held "$work/w1.out"
echo "workstation 2 finds every seat in use"
workstation w2 10.77.2.1 LK_NETWORK_SEATS_EXHAUSTED
ip netns exec "$ns-d" "${lan[@]}" status --daemon 127.0.0.1:27000 | tee "$work/status.out"
grep -q "1 of 1 in use" "$work/status.out"
wait "$w1"
cat "$work/w1.out"
grep -q "given back" "$work/w1.out"
echo "workstation 2 takes the seat workstation 1 gave back"
workstation w2 10.77.2.1 LK_OK
echo "workstation 1's host cannot reach the daemon's other link"
workstation w1 10.77.2.1 LK_LAN_UNREACHABLE 2>/dev/null
echo "1 passed, 0 failed"
