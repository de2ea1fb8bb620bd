# The team's own commands; the README uses the same ones.
#
#   make run      set up (first time) and serve the portal with demo data at http://127.0.0.1:8000
#   make test     the whole test suite (browser tests need Chromium)
#   make lint     ruff check + ruff format --check
#   make check    Django system checks + "no model change without a migration"
#   make worker   a Celery worker (needs REDIS_URL)
#   make beat     Celery beat, schedules kept in the database (needs REDIS_URL)
#   make bench    every benchmark in bench/, quick mode where a script has one
#   make contract schemathesis against the OpenAPI schema, on a served throwaway demo database
#
# Setup is incremental: .venv is created once, requirements are installed again only when
# requirements.txt is newer than the stamp .venv/.installed, and the places of GeoNames are
# loaded once (stamp .venv/.geodata-1000; delete it to load them again).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
INSTALLED := $(VENV)/.installed
GEODATA := $(VENV)/.geodata-1000

HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=
BENCH_ARGS ?= --quick
TEST_SECRET_KEY := test-only-secret-key-not-for-any-deployment

.PHONY: help run test lint check worker beat bench contract

help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	@touch $@

# Runs on the embedded default (SQLite, eager Celery, console e-mail): DEBUG on, no SECRET_KEY.
run: export DEBUG := true
run: $(INSTALLED)
	@# A new SQLite file needs the places again, whatever the stamp says.
	@[ -n "$$DATABASE_URL" ] || [ -f db.sqlite3 ] || rm -f $(GEODATA)
	$(MANAGE) migrate --noinput
	@[ -f $(GEODATA) ] || { $(MANAGE) load_geodata --countries all --min-population 1000 && touch $(GEODATA); }
	$(MANAGE) seed_demo
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "Serving the portal at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(MANAGE) runserver $(HOST):$(PORT)

test: export SECRET_KEY ?= $(TEST_SECRET_KEY)
test: export CHROMIUM := $(CHROMIUM)
test: $(INSTALLED)
	@command -v "$(CHROMIUM)" >/dev/null || echo "Chromium not found: browser tests will be skipped (apt-get install chromium)"
	$(PY) -m pytest tests/ $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: export SECRET_KEY ?= $(TEST_SECRET_KEY)
check: $(INSTALLED)
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

# Local development defaults to DEBUG on, like `make run`; a deployment sets its own environment.
worker: export DEBUG ?= true
worker: $(INSTALLED)
	@[ -n "$$REDIS_URL" ] || { echo "make worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0); without it tasks run in the web process"; exit 1; }
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: export DEBUG ?= true
beat: $(INSTALLED)
	@[ -n "$$REDIS_URL" ] || { echo "make beat needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 1; }
	$(VENV)/bin/celery -A config beat --loglevel=INFO

bench: export SECRET_KEY ?= $(TEST_SECRET_KEY)
bench: $(INSTALLED)
	@PYTHON=$(PY) scripts/bench.sh $(BENCH_ARGS)

contract: $(INSTALLED)
	scripts/api_contract.sh
