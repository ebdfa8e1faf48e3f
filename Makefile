# Guildhall: `make run` starts everything locally, `make sandbox` the same with an emulated Discord,
# `make test` runs the whole suite.
# Each needs only Python 3.11+ and make, creates .venv and installs requirements.txt on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed

# A value in .env counts as set; the quick start runs with DEBUG on unless told otherwise.
DOTENV_DEBUG := $(shell sed -n 's/^DEBUG=//p' .env 2>/dev/null | tail -n 1)

.PHONY: run sandbox setup test install lint clean-venv

$(INSTALLED): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Guildhall needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(INSTALLED)

install: $(INSTALLED)

# What run and sandbox share: the services reachable (a missing database is created), the schema
# migrated, the periodic tasks, the admin login and the demo data.
setup: install
	@$(PY) -m config.preflight run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap

run: export DEBUG ?= $(or $(DOTENV_DEBUG),true)
run: setup
	@$(PY) -m config.processes banner
	PATH="$(BIN):$$PATH" $(BIN)/honcho --no-prefix -f Procfile start $$($(PY) -m config.processes)

# The whole stack against the Discord emulator: emulator, bot, web, worker and beat, every one with
# the emulator's environment (var/sandbox.env, which wins over .env).
sandbox: export DEBUG ?= $(or $(DOTENV_DEBUG),true)
sandbox: setup
	@$(PY) -m config.processes sandbox
	PATH="$(BIN):$$PATH" $(BIN)/honcho -f Procfile.sandbox -e .env,var/sandbox.env start

test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/guildhall
test: export REDIS_URL ?= redis://127.0.0.1:6379/0
test: export SECRET_KEY ?= test-only-secret-key-not-for-production-9f3c1e7a5b
test: export DEBUG := false
test: export SECURE_SSL_REDIRECT ?= false
test: PYTEST_WORKERS ?= 2
test: install
	@$(PY) -m config.preflight
	$(BIN)/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean-venv:
	rm -rf $(VENV)
