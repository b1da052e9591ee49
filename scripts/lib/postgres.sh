#!/usr/bin/env bash
# Starts Debian's PostgreSQL 15 (installed by .ci/run) and makes sure the test role and
# database exist: role `licensekit` (password `licensekit`, may create databases) owning the
# database `licensekit`, on 127.0.0.1:5432. The tests create a database of their own per
# server through it (LK_TEST_POSTGRES, set by scripts/test). Idempotent; run as root.
set -euo pipefail

if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 \+main .* online'; then
    pg_ctlcluster 15 main start
fi
as_postgres() { su postgres -c "psql -X -q -tA -v ON_ERROR_STOP=1 -c \"$1\""; }
# Room for the predicate locks of the serializable transactions the server runs (the
# default, 64 per connection, runs out under 64 concurrent activations: server/README.md).
if (($(as_postgres "SHOW max_pred_locks_per_transaction") < 256)); then
    as_postgres "ALTER SYSTEM SET max_pred_locks_per_transaction = 256"
    pg_ctlcluster 15 main restart
fi
[[ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'licensekit'")" == 1 ]] ||
    as_postgres "CREATE ROLE licensekit LOGIN CREATEDB PASSWORD 'licensekit'"
[[ "$(as_postgres "SELECT 1 FROM pg_database WHERE datname = 'licensekit'")" == 1 ]] ||
    as_postgres "CREATE DATABASE licensekit OWNER licensekit"
echo "postgres: 15/main online, role and database licensekit ready"
