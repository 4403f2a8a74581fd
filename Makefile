# The commands people type. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run db test browser chromium axe redis lint check schema admin-password backup restore load bench db-stop clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0] + ": run make with PYTHON=python3.12 (for example).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed  ## Create .venv and install the dependencies

db: install  ## Start the database (embedded unless DATABASE_URL is set), migrate, load the demo data
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data

run: db  ## Everything above, a first release (/releases/, TAXII), then serve at http://127.0.0.1:$(PORT) (PORT=8123 make run for another port)
	@$(BIN)/python manage.py build_release --if-none --no-progress --base-url http://127.0.0.1:$(PORT)
	@$(BIN)/python manage.py ensure_local_admin --url http://127.0.0.1:$(PORT)/admin/
	@echo "Site: http://127.0.0.1:$(PORT)/  Admin: http://127.0.0.1:$(PORT)/admin/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install lint chromium axe redis  ## Lint, the migration check and the whole suite, browser tests included, on the embedded Postgres (or DATABASE_URL)
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

browser: install chromium axe  ## The browser tests alone, in headless Chromium
	$(BIN)/python -m pytest -m browser

chromium:  ## Install Debian's chromium for the browser tests when it is missing (needs root or sudo)
	@scripts/ensure-chromium

axe:  ## Install axe-core (npm ci, from package-lock.json) for the accessibility tests when it is missing
	@scripts/ensure-axe

redis:  ## Install and start Debian's redis-server for the tests that need it when it is missing
	@scripts/ensure-redis

lint: install  ## ruff (lint and formatting), then the import layers (lint-imports, contracts in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

check: install  ## Django's system checks and the migration check
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

schema: install  ## Regenerate the committed OpenAPI schema (docs/api/openapi.yaml) after changing the API
	$(BIN)/python manage.py spectacular --file docs/api/openapi.yaml --validate --fail-on-warn

admin-password: install  ## Print a new password for the local admin account
	$(BIN)/python manage.py ensure_local_admin --reset

backup: install  ## Write a pg_dump archive of the database to backups/kb-<UTC timestamp>.dump (OUTPUT=file for another)
	$(BIN)/python manage.py backup_database $(if $(OUTPUT),--output "$(OUTPUT)")

restore: install  ## Load FILE=backups/kb-….dump into an empty database (FORCE=1 replaces what a non-empty one holds)
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/kb-<timestamp>.dump [FORCE=1]"; exit 2; }
	$(BIN)/python manage.py restore_database "$(FILE)" $(if $(FORCE),--force)

load: install  ## 32 clients for 60 s on profile, search and API pages under gunicorn (after make db; DURATION=, CLIENTS=)
	$(BIN)/python bench/load.py --duration $(or $(DURATION),60) --connections $(or $(CLIENTS),32)

bench: install  ## The GTD-scale benchmark, one table of ratios to same-run baselines, on its own database .data/bench (SCALE=0.1 REQUESTS= OUTPUT= SKIP_BUILD=1)
	$(BIN)/python bench/gtd_scale.py --scale $(or $(SCALE),1) $(if $(REQUESTS),--requests $(REQUESTS)) $(if $(OUTPUT),--output "$(OUTPUT)") $(if $(SKIP_BUILD),--skip-build)

db-stop:  ## Stop the embedded Postgres server
	@$(BIN)/python -c 'from kb.operations.database import stop_embedded_server; stop_embedded_server()'

clean: db-stop  ## Remove .venv and the embedded database's data
	rm -rf $(VENV) .data
