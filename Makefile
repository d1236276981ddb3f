# Stagegate: the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test e2e lint venv bench clean up drill backup restore

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: venv  ## migrate, load demo data, serve on http://127.0.0.1:8000
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Workers for pytest-xdist (auto: one per core); TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
# Each pytest process imports the project and rewrites the tests' asserts: with bytecode caching
# switched off (some shells export PYTHONDONTWRITEBYTECODE) that is redone, seconds each time.
export PYTHONDONTWRITEBYTECODE :=

test: venv  ## the whole test suite on the configured database, in random order, on every core
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

e2e: venv  ## only the browser journeys (tests/e2e; skipped without /usr/bin/chromium: apt-get install chromium)
	$(BIN)/python -m pytest tests/e2e

lint: venv  ## ruff, import layers, bandit, missing migrations, deploy checks
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -c pyproject.toml -r . -q
	$(BIN)/python manage.py makemigrations --check --dry-run
	SECRET_KEY=ci-check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9') \
	  DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/python manage.py check --deploy --fail-level WARNING

BENCH_PG ?= postgres://postgres@127.0.0.1:5432/stagegate_bench

bench: venv  ## every bench/bench_*.py on fresh databases; rewrites docs/benchmarks.md
	rm -f var/bench.sqlite3*
	$(BIN)/python -m bench.run
	@if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  psql -q -h 127.0.0.1 -U postgres -c "drop database if exists stagegate_bench" && \
	  psql -q -h 127.0.0.1 -U postgres -c "create database stagegate_bench" && \
	  BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python -m bench.run; \
	else echo "PostgreSQL not reachable: SQLite figures only"; fi

up: venv  ## the production shape on this machine: PostgreSQL, Redis, migrate, collectstatic, Procfile under honcho
	./bin/up

drill: venv  ## fault drills against a private PostgreSQL, Redis, gunicorn and Celery (docs/operations.md)
	$(BIN)/python -m drills

BACKUP_DIR ?= var/backups

backup: venv  ## pg_dump (or the SQLite file) and the file store, with a manifest, into $(BACKUP_DIR)/<timestamp>
	$(BIN)/python manage.py backup --into $(BACKUP_DIR)

restore: venv  ## restore BACKUP=<dir> into the configured database and file store
	@test -n "$(BACKUP)" || (echo "usage: make restore BACKUP=var/backups/<timestamp>"; exit 2)
	$(BIN)/python manage.py restore $(BACKUP)

clean:
	rm -rf $(VENV) var db.sqlite3*
