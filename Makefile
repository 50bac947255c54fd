# Renke — the two commands a newcomer needs are `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
RENKE  := $(VENV)/bin/renke
STAMP  := $(VENV)/.installed
SERVE  := $(VENV)/.serving
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 5000
# two workers: the suite runs on both databases and in the browser; 2 cores halve its time
PYTEST_ARGS ?= -n 2

.DEFAULT_GOAL := help
.PHONY: help install run test test-sqlite lint fmt typecheck bench bench-load clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# `make run` installs only what serving needs; the test and lint tools come with `make test`.
$(SERVE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(SERVE)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(SERVE)

install: $(STAMP) ## create the venv and install Renke with its dev tools

run: $(SERVE) ## install what serving needs, migrate the embedded SQLite database, seed the demo if empty, serve
	$(RENKE) db upgrade
	$(RENKE) demo --if-empty
	$(RENKE) serve --announce --host $(HOST) --port $(PORT)

test: $(STAMP) ## run the test suite (PostgreSQL and browser tests run when available)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(STAMP) ## format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) ## speed and memory benchmarks (not part of make test)
	$(PY) benchmarks/run.py

clean: ## remove the venv and caches (keeps the instance database)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info

bench-load: $(STAMP) ## load benchmark: phones against renke serve, a bare WSGI floor and Flask, SQLite and PostgreSQL
	$(PY) benchmarks/bench_load.py $(BENCH_ARGS)
