#!/usr/bin/env bash
# Fuzz the REST API against its own OpenAPI schema with schemathesis, once with
# a governance admin's token and once with a submitter's: no response may be a
# 5xx, every response must conform to the schema, and every status must be one
# its operation declares. Runs against DATABASE_URL (and REDIS_URL) as set:
# migrate, seed the demo, serve with gunicorn on a free port, fuzz, stop the
# server. Exits non-zero on any failure.
# Without DATABASE_URL it uses var/schemathesis.sqlite3, never the dev database.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.dev
export DEBUG=false
export DATABASE_URL="${DATABASE_URL:-sqlite:///$PWD/var/schemathesis.sqlite3}"
# The fuzzer sends thousands of requests a minute: lift the throttles for this run only.
export API_THROTTLE_USER=1000000/min API_THROTTLE_ANON=1000000/min API_THROTTLE_AUTH_TOKEN=1000000/min
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-20}"
mkdir -p var

# A PostgreSQL database named by DATABASE_URL is created when missing (CI only has the test ones).
$PY .ci/ensure_database.py
$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_demo >/dev/null
mapfile -t TOKENS < <($PY manage.py api_demo_tokens gov.admin ava.submitter)

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER_LOG=var/schemathesis-server.log
# No request-line or header-size cap: a 414 or 431 from gunicorn would be the front server's limit, not
# a status of the API's operations (the status_code_conformance check holds each to its declared ones).
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --timeout 120 \
  --limit-request-line 0 --limit-request-field_size 0 \
  --env DJANGO_SETTINGS_MODULE=config.settings.dev --log-level warning >"$SERVER_LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT

status=0
for line in "${TOKENS[@]}"; do
  user=${line%% *}
  token=${line#* }
  echo "== schemathesis as $user (max $MAX_EXAMPLES examples per operation)"
  # One worker: Hypothesis describes a filtered strategy by parsing its lambda's source file, and
  # with two worker threads CPython 3.11's ast.parse can fail spuriously with "AST constructor
  # recursion depth mismatch" (a CI run on 2026-12-06 did; seen in threaded programs, CPython
  # gh-106905). A crash of the fuzzer is not a finding about the API.
  # DELETE /api/v1/auth/token/ would revoke the very token the fuzzer sends, leaving every later
  # request a 401 (tests/api/test_auth.py covers it).
  .venv/bin/schemathesis --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/api/schema/" \
    --header "Authorization: Token $token" --exclude-operation-id auth_token_destroy \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance \
    --max-examples "$MAX_EXAMPLES" --workers 1 --wait-for-schema 60 --request-timeout 60 \
    --generation-database none --no-color --suppress-health-check all || status=1
done
if [ "$status" -ne 0 ]; then
  echo "== last lines of the server log ($SERVER_LOG)"
  tail -n 60 "$SERVER_LOG"
fi
exit $status
