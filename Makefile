# Two commands: `make run` (install everything, migrate the embedded SQLite database, serve) and
# `make test` (install test tools, lint, type-check, check import contracts and generated code, run the
# suite on SQLite and on PostgreSQL).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
# uv installs exactly what uv.lock says. It is pinned and bootstrapped from PyPI into .uv/, so a fresh
# machine needs nothing but Python; it never downloads an interpreter of its own.
UV_VERSION := 0.13.9
UV := .uv/bin/uv
export UV_PYTHON_DOWNLOADS := never
NODE_MAJOR_MIN := 20

.PHONY: run test lint typecheck imports generated test-sqlite test-postgres bench ui chromium worker doctor \
	jobs webhooks-sync lock saleor-client saleor-schema clean

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install -q uv==$(UV_VERSION)

# The app alone (`make run`); --inexact leaves test tools in place if `make test` installed them.
$(VENV)/.stamp-install: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON)
	@touch $@

# The app and everything the checks need (the lock's dev group).
$(VENV)/.stamp-dev: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@ $(VENV)/.stamp-install

# After changing dependencies in pyproject.toml: re-resolve and commit uv.lock.
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

# The Loyalty tab's front end, built into dashboard_ui/dist (served at the app's appUrl); rebuilt only when
# one of its inputs changed.
UI_INPUTS := dashboard_ui/package.json dashboard_ui/package-lock.json dashboard_ui/index.html \
	dashboard_ui/vite.config.ts dashboard_ui/tsconfig.json $(shell find dashboard_ui/src -type f 2>/dev/null)

ui: dashboard_ui/dist/index.html

dashboard_ui/dist/index.html: $(UI_INPUTS)
	@command -v node >/dev/null 2>&1 || { echo "!! Node.js $(NODE_MAJOR_MIN) or newer is needed to build the Loyalty tab (dashboard_ui/)"; exit 1; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= $(NODE_MAJOR_MIN) ? 0 : 1)' || \
		{ echo "!! Node.js $(NODE_MAJOR_MIN) or newer is needed to build the Loyalty tab; this is $$(node --version)"; exit 1; }
	cd dashboard_ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
	@touch $@

# The browser tests drive Debian's Chromium (never a browser download). Without it they are skipped,
# except in CI, where a failed install fails the run.
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y --no-install-recommends chromium) \
		|| { echo "!! could not install Chromium: the browser tests will be skipped"; [ "$${CI:-}" != "true" ]; }

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	@chmod 600 $@
	@echo "generated a SECRET_KEY in var/secret_key (keep it: it encrypts the stored app tokens)"

# Every `lojal` command run from this directory reads var/secret_key (unless SECRET_KEY is set) and the
# embedded database in var/, so the targets below and `.venv/bin/lojal …` see what `make run` serves.
run: $(VENV)/.stamp-install ui var/secret_key
	@export APP_URL="$${APP_URL:-http://localhost:$(PORT)}" LOG_JSON="$${LOG_JSON:-false}"; \
	$(BIN)/lojal migrate && exec $(BIN)/lojal serve --port $(PORT)

worker: $(VENV)/.stamp-install var/secret_key
	@$(BIN)/lojal worker

doctor: $(VENV)/.stamp-install var/secret_key
	@$(BIN)/lojal doctor

jobs: $(VENV)/.stamp-install var/secret_key
	@$(BIN)/lojal jobs run

webhooks-sync: $(VENV)/.stamp-install var/secret_key
	@$(BIN)/lojal webhooks sync

lint: $(VENV)/.stamp-dev
	$(UV) lock --check --python $(PYTHON)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.stamp-dev
	$(BIN)/mypy

# The layers of docs/architecture.md (contracts in pyproject.toml).
imports: $(VENV)/.stamp-dev
	$(BIN)/lint-imports

# The typed Saleor client and webhook payload models are generated from app/saleor/schema.graphql and
# our documents; the committed code must be what the generator makes of them today.
generated: $(VENV)/.stamp-dev
	$(BIN)/python -m tools.saleor_codegen --check

# After changing a document in app/saleor/graphql/ or webhooks/, or the schema: regenerate, then commit.
saleor-client: $(VENV)/.stamp-dev
	$(BIN)/python -m tools.saleor_codegen

# The day Saleor changes: fetch the schema of a running Saleor (SALEOR_API_URL=https://…/graphql/), then
# regenerate. The tests (the fake Saleor validates every document) say what the new schema breaks.
saleor-schema: $(VENV)/.stamp-dev
	@test -n "$(SALEOR_API_URL)" || { echo "usage: make saleor-schema SALEOR_API_URL=https://your-saleor/graphql/"; exit 2; }
	$(BIN)/python -m tools.saleor_schema "$(SALEOR_API_URL)" app/saleor/schema.graphql
	$(MAKE) saleor-client

test-sqlite: $(VENV)/.stamp-dev ui chromium
	@echo "== test suite on SQLite"
	TEST_DATABASE_URL= $(BIN)/pytest -q $(PYTEST_ARGS)

# In CI (CI=true) an unreachable PostgreSQL fails the run; elsewhere the half is skipped, loudly.
test-postgres: $(VENV)/.stamp-dev ui chromium
	@if $(BIN)/python -m tests.pg_reachable "$(PG_TEST_URL)"; then \
		echo "== test suite on PostgreSQL ($(PG_TEST_URL))"; \
		TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -q $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "!! PostgreSQL at $(PG_TEST_URL) is unreachable and CI=true: failing"; exit 1; \
	else \
		echo ""; echo "!!!!!! PostgreSQL at $(PG_TEST_URL) is unreachable: SKIPPING the PostgreSQL half !!!!!!"; echo ""; \
	fi

test: lint typecheck imports generated test-sqlite test-postgres

bench: $(VENV)/.stamp-dev
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dashboard_ui/dist
