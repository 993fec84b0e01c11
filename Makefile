# Xueji (学籍) — set-up and everyday commands. `make demo` and `make test` work on a fresh clone:
# they create the virtualenv, install the locked Python packages and the npm assets, then do their job.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
# The interpreter for the virtualenv: the first of python3, python3.12, python3.11 that is 3.11 or 3.12.
PYTHON ?= $(shell for p in python3 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' >/dev/null 2>&1 \
	&& { command -v $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2
VAR_DIR := $(or $(XUEJI_VAR_DIR),var)

.PHONY: help install demo serve test lint scan check-deploy bundle clean
# In an unpacked bundle (make bundle) the wheels and the front-end assets are there: set-up never uses the network.
BUNDLED := $(wildcard wheels/requirements.txt)

help:
	@echo "make demo          set up, load the demo data and serve it on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	@echo "make test          set up and run the whole test suite (DATABASE_URL picks the database; SQLite by default)"
	@echo "make install       only set up: .venv from requirements.lock, node_modules from package-lock.json"
	@echo "make lint          ruff check, and the layer contract (import-linter, pyproject.toml)"
	@echo "make scan          code scanning: bandit on xueji/ and config/, findings allowed only with a reason (pyproject.toml)"
	@echo "make check-deploy  Django's deployment checks with the production settings"
	@echo "make bundle        dist/xueji-...tar.gz: source, wheels, front-end assets, fonts, install.sh, for a machine with no network"
	@echo "make clean         remove .venv, node_modules, staticfiles and the demo database"

ifneq ($(BUNDLED),)
$(VENV)/.installed: requirements.lock
	./install.sh

node_modules/.installed: package-lock.json
	@touch $@
else
$(VENV)/.installed: requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11 or 3.12 is needed (python3, python3.12 or python3.11)." >&2; exit 1; }
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@
endif

install: $(VENV)/.installed node_modules/.installed

demo: install
	@mkdir -p $(VAR_DIR)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data --if-empty
	@$(MAKE) --no-print-directory serve

# The web server and the background-job worker together; Ctrl-C (or any exit) stops both.
serve: install
	@echo ""
	@echo "Xueji is on http://$(HOST):$(PORT)/  (the accounts above; Ctrl-C stops the server and the worker)"
	@$(PY) manage.py jobs_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true' EXIT INT TERM; \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# bandit; a finding fails unless [[tool.xueji.bandit_allow]] in pyproject.toml lists it with a reason.
scan: install
	$(PY) .ci/bandit_gate.py
	$(PY) .ci/secrets_scan.py

# Production settings with a throw-away secret key: warnings fail the check.
check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.prod \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	XUEJI_DATA_KEYS="ci:$$($(PY) -c 'import secrets; print(secrets.token_hex(16))')" \
	XUEJI_INDEX_KEY="$$($(PY) -c 'import secrets; print(secrets.token_hex(32))')" \
	XUEJI_ADMIN_NETWORKS="10.0.0.0/8" \
	$(PY) manage.py check --deploy --fail-level WARNING

# One archive that installs and runs on a machine with no network (README, Installation on a closed network).
bundle: install
	bundle/build.sh $(PY)

clean:
	rm -rf $(VENV) $(if $(BUNDLED),,node_modules) staticfiles $(VAR_DIR)/xueji.sqlite3 $(VAR_DIR)/xueji.sqlite3-wal \
		$(VAR_DIR)/xueji.sqlite3-shm
