# The commands a newcomer and CI use. `make run` and `make test` are the README's quick start.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export CMS_DATABASE_URL ?= sqlite:///./cms.db

.PHONY: install run serve test test-postgres lint format typecheck schema check bench load clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the CMS with its development tools

run: install  ## Migrate a SQLite database, load demo content, serve on http://127.0.0.1:8000
	$(BIN)/cms migrate
	$(BIN)/cms demo
	$(BIN)/cms serve

serve: install
	$(BIN)/cms serve

test: install  ## The whole suite on SQLite (on PostgreSQL instead when CMS_TEST_DATABASE_URL is set)
	$(BIN)/pytest

test-postgres: install  ## The whole suite on the local PostgreSQL
	CMS_TEST_DATABASE_URL=$${CMS_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(BIN)/pytest

lint: install
	$(BIN)/ruff check cms tests bench migrations scripts
	$(BIN)/ruff format --check cms tests bench migrations scripts

format: install
	$(BIN)/ruff format cms tests bench migrations scripts
	$(BIN)/ruff check --fix cms tests bench migrations scripts

typecheck: install
	$(BIN)/mypy

schema: install  ## Regenerate schema/schema.graphql from the code
	$(BIN)/cms schema export

check: lint typecheck test

bench: install  ## Workloads W1-W4 against a generated corpus (needs ../shared and wrk)
	$(BIN)/python bench/run.py

load: install  ## The bounded load test: 32 clients, 60 s of reads, searches, writes and uploads
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
