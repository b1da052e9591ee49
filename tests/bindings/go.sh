#!/usr/bin/env bash
# The Go binding against the installed library: scripts/install from target/release into a
# temporary prefix, gofmt and go vet, then go test against a real licensekit-server, linked
# to the shared library (with the bench: lines) and again to the static one.
#
#   tests/bindings/go.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d "${TMPDIR:-/tmp}/lk-go.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# A prefix at a fixed place, and a build cache of the project's own: Go's build cache keeps
# the static link's archive path from pkg-config, which a fresh temporary prefix would leave
# dangling on the next run.
prefix="$PWD/target/go-prefix"
export GOCACHE="$PWD/target/go-cache"
rm -rf "$prefix"
scripts/install --prefix "$prefix" --from target/release >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig" XDG_DATA_HOME="$work/xdg"
cd bindings/go
unformatted="$(gofmt -l .)"
[[ -z "$unformatted" ]] || { echo "gofmt: $unformatted" >&2; exit 1; }
go vet ./...
CGO_LDFLAGS="-Wl,-rpath,$prefix/lib" LK_GO_BENCH_LIBDIR="$prefix/lib" go test -count=1 -v ./...
echo "static:"
go test -count=1 -tags licensekit_static ./...
