#!/bin/sh
# Initialises the data directory on the volume on first start (the API keys it prints go to
# the container's log once), then runs licensekit-server with the container's arguments.
set -eu
if [ "${1:-}" = serve ] && [ ! -e /data/server ]; then
    /usr/local/bin/licensekit-server init --data-dir /data/server
fi
exec /usr/local/bin/licensekit-server "$@"
