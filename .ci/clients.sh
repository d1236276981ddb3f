#!/usr/bin/env bash
# Prove that integrators can generate clients from the OpenAPI schema without friction. Serves the API
# as .ci/schemathesis.sh does (migrate DATABASE_URL, seed the demo, gunicorn on a free port, stopped on
# exit), fetches /api/schema/ from it, then:
#   1. redocly lint, recommended ruleset (redocly.yaml): any error or warning fails;
#   2. openapi-python-client generates a client with no warning, and .ci/clients/sync_check.py, written
#      only against that client, syncs with the live server (token, paging, create, submit, decide,
#      delta sync, tombstones, If-Match);
#   3. openapi-typescript generates types, and .ci/clients/check.ts (with openapi-fetch, the client those
#      types are made for) compiles with them under tsc --strict;
#   4. openapi-generator (its jar comes in the PyPI package openapi-generator-cli) generates its Python
#      client and that imports; skipped when there is no java.
# Every step runs even when an earlier one fails, so one run reports every problem; exits non-zero if any
# failed. Tools are pinned in .ci/clients/ (package.json + package-lock.json, requirements.txt) and
# installed there (node_modules) and in var/clients-venv, never in the project's .venv.
# Without DATABASE_URL it uses var/clients.sqlite3, never the dev database.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=$PWD
PY=.venv/bin/python
TOOLS=.ci/clients
NODE_BIN=$TOOLS/node_modules/.bin
VENV=var/clients-venv
WORK=var/clients  # everything generated; rewritten on each run
export DJANGO_SETTINGS_MODULE=config.settings.dev
export DEBUG=false
if [ -z "${DATABASE_URL:-}" ]; then
  rm -f var/clients.sqlite3  # its own file: start from an empty database, as CI does
  export DATABASE_URL="sqlite:///$PWD/var/clients.sqlite3"
fi
# The checks ask for several tokens and walk lists page by page: lift the throttles for this run only.
export API_THROTTLE_USER=1000000/min API_THROTTLE_ANON=1000000/min API_THROTTLE_AUTH_TOKEN=1000000/min
# Redocly CLI: no usage telemetry, no update notice.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
mkdir -p var
rm -rf "$WORK"
mkdir -p "$WORK"

echo "== client generation: installing the pinned tools"
# npm ci installs exactly package-lock.json, into .ci/clients/node_modules.
npm ci --prefix "$TOOLS" --no-audit --no-fund --loglevel=error >/dev/null
# The Python tools get a venv of their own; rebuilt whenever requirements.txt changes (CI: always new).
if ! cmp -s "$TOOLS/requirements.txt" "$VENV/.requirements.txt"; then
  rm -rf "$VENV"
  "$(command -v python3.11 || command -v python3)" -m venv "$VENV"
  # Everything is pinned in requirements.txt, transitive deps too: --no-deps lets nothing unpinned in,
  # and pip check proves the pins consistent.
  # (Its output goes to a log: pip warns about each package of this machine's missing local indexes.)
  if ! "$VENV/bin/pip" install -q --no-deps -r "$TOOLS/requirements.txt" >"$WORK/pip.log" 2>&1 \
      || ! "$VENV/bin/pip" check >>"$WORK/pip.log" 2>&1; then
    cat "$WORK/pip.log"; rm -rf "$VENV"; echo "installing the Python tools failed"; exit 1
  fi
  cp "$TOOLS/requirements.txt" "$VENV/.requirements.txt"
fi

# A PostgreSQL database named by DATABASE_URL is created when missing (CI drops it first).
$PY .ci/ensure_database.py
# Their chatter (WeasyPrint's font notes while the demo renders board packs) goes to a log, shown on failure.
if ! { $PY manage.py migrate --noinput && $PY manage.py seed_demo; } >"$WORK/seed.log" 2>&1; then
  tail -n 40 "$WORK/seed.log"; echo "migrating or seeding the demo failed"; exit 1
fi

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
SERVER_LOG=var/clients-server.log
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --timeout 120 \
  --env DJANGO_SETTINGS_MODULE=config.settings.dev --log-level warning >"$SERVER_LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT

# The schema as integrators get it: from the live server.
for _ in $(seq 60); do
  curl -fsS "$BASE/api/schema/" -o "$WORK/schema.yaml" 2>/dev/null && break
  sleep 1
done
if [ ! -s "$WORK/schema.yaml" ]; then
  echo "the server did not serve /api/schema/ within 60 s"; tail -n 60 "$SERVER_LOG"; exit 1
fi

status=0
fail() { echo "FAILED: $1"; status=1; }

echo "== client generation 1/4: redocly lint (recommended ruleset, redocly.yaml)"
# JSON, to list every problem with its operation's pointer and to fail on warnings too (redocly
# itself exits 0 when there are only warnings).
"$NODE_BIN/redocly" lint --config redocly.yaml --lint-config error --max-problems 100000 --format json \
  "$WORK/schema.yaml" >"$WORK/redocly.json" 2>"$WORK/redocly.log" || true
"$VENV/bin/python" - "$WORK/redocly.json" "$WORK/redocly.log" <<'PYEOF' || fail "redocly lint"
import collections, json, sys
try:
    report = json.load(open(sys.argv[1]))
except ValueError:
    print(open(sys.argv[2]).read()); sys.exit("redocly lint did not run")
by_rule = collections.Counter()
for problem in report["problems"]:
    where = problem["location"][0] if problem["location"] else {}
    by_rule[(problem["severity"], problem["ruleId"])] += 1
    print(f"{problem['severity']:7} {problem['ruleId']:24} {where.get('pointer', '')}: {problem['message']}")
for (severity, rule), count in sorted(by_rule.items()):
    print(f"  {count:4} {severity} {rule}")
totals = report["totals"]
print(f"redocly: {totals['errors']} errors, {totals['warnings']} warnings")
sys.exit(1 if totals["errors"] or totals["warnings"] else 0)
PYEOF

echo "== client generation 2/4: openapi-python-client, then a sync with the live server through it"
# Its post-generation hooks run ruff, which is in the tools venv: hence the PATH.
if PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/openapi-python-client" generate --path "$WORK/schema.yaml" \
    --meta none --output-path "$WORK/python/stagegate_client" --config "$TOOLS/openapi-python-client.yaml" \
    >"$WORK/openapi-python-client.log" 2>&1; then
  cat "$WORK/openapi-python-client.log"
  # It prints its warnings (parts of the schema it could not turn into code) and still exits 0.
  if grep -qiE 'warning|error' "$WORK/openapi-python-client.log"; then
    fail "openapi-python-client warned: the generated client lacks or mistypes parts of the API"
  fi
  PYTHONPATH="$WORK/python" "$VENV/bin/python" "$TOOLS/sync_check.py" "$BASE" \
    || fail "the sync through the generated client"
else
  cat "$WORK/openapi-python-client.log"; fail "openapi-python-client generate"
fi

echo "== client generation 3/4: openapi-typescript, then tsc --strict"
mkdir -p "$WORK/ts"
# Run from var/clients/ts, as an integrator would: in the repository root openapi-typescript would lint with
# our redocly.yaml and refuse to generate on any error, mixing step 1 into this one.
if (cd "$WORK/ts" && "$ROOT/$NODE_BIN/openapi-typescript" ../schema.yaml -o schema.d.ts) \
    >"$WORK/openapi-typescript.log" 2>&1; then
  cp "$TOOLS/check.ts" "$WORK/ts/check.ts"
  ln -sfn "$ROOT/$TOOLS/node_modules" "$WORK/ts/node_modules"  # check.ts imports openapi-fetch
  "$NODE_BIN/tsc" --strict --noEmit --target es2022 --module esnext --moduleResolution bundler \
    "$WORK/ts/check.ts" && echo "tsc --strict: no errors" || fail "tsc --strict"
else
  cat "$WORK/openapi-typescript.log"; fail "openapi-typescript"
fi

echo "== client generation 4/4: openapi-generator (python), then import it"
if command -v java >/dev/null 2>&1; then
  if "$VENV/bin/openapi-generator-cli" generate -i "$WORK/schema.yaml" -g python -o "$WORK/openapi-generator" \
      --package-name stagegate_oag >"$WORK/openapi-generator.log" 2>&1; then
    # Its INFO lines run to hundreds; show its warnings, counted.
    grep -E '^\[main\] (WARN|ERROR)' "$WORK/openapi-generator.log" | sort | uniq -c || true
    PYTHONPATH="$WORK/openapi-generator" "$VENV/bin/python" -c \
      'import stagegate_oag, stagegate_oag.models; print("import stagegate_oag and stagegate_oag.models: ok")' \
      || fail "the openapi-generator client does not import"
  else
    tail -n 40 "$WORK/openapi-generator.log"; fail "openapi-generator generate"
  fi
else
  echo "java is not on PATH: openapi-generator skipped"
fi

if [ "$status" -ne 0 ] && [ -s "$SERVER_LOG" ]; then
  echo "== last lines of the server log ($SERVER_LOG)"
  tail -n 30 "$SERVER_LOG"
fi
echo "== client generation: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in ${SECONDS}s (generated files: $WORK/)"
exit $status
