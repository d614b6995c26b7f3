# Headrace: every task a person or CI runs, in one place. `make help` lists them.
# The two that matter: `make studio` (set up, build, and serve the studio) and
# `make test` (set up, then run every test).

SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
export HEADRACE_PYTHON := $(abspath $(PY))
export PATH := $(abspath $(VENV))/bin:$(PATH)
HOST ?= 127.0.0.1
PORT ?= 5173

.PHONY: help setup setup-python setup-node setup-browser studio dev build check test test-py test-server test-dask test-pyodide test-js test-e2e bench protocol docs test-docs test-long screenshots

help: ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: setup-python setup-node ## install everything the studio and the tests need

setup-python: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,e2e,server,dask,docs]'
	touch $@

setup-node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup-browser: ## Debian's Chromium, for the end-to-end tests (needs root)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

build: setup ## build the static studio into dist/
	npm run build

studio: build ## set up, build and serve the studio at http://127.0.0.1:5173
	npm run preview -- --host $(HOST) --port $(PORT) --strictPort

dev: setup ## the studio with hot reload, for development
	npm run dev -- --host $(HOST) --port $(PORT)

protocol: setup-python ## regenerate the studio's TypeScript protocol types from Python and the flow schema
	HEADRACE_PYTHON=$(PY) npm run -s protocol

check: setup ## lint and type-check Python and TypeScript; fail on protocol drift
	$(VENV)/bin/ruff check py tests bench docs/hooks docs/screenshots.py
	$(VENV)/bin/ruff format --check py tests bench docs/hooks docs/screenshots.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy docs/hooks
	MYPYPATH=bench $(VENV)/bin/mypy --follow-imports=silent docs/screenshots.py
	HEADRACE_PYTHON=$(PY) npm run -s protocol:check
	npm run typecheck
	npm run lint

test: setup setup-browser test-py test-server test-dask test-pyodide test-js test-e2e test-docs ## set up, then run every test

test-py: setup-python ## engine tests (pytest, CPython)
	$(PY) -m pytest tests/py -q

test-server: setup-python ## the backend server: a real uvicorn on loopback
	$(PY) -m pytest tests/server -q

test-dask: setup-python ## flows on a real Dask LocalCluster (two worker processes)
	$(PY) -m pytest tests/dask -q

test-pyodide: build ## the engine inside real Pyodide (Node.js) gives CPython's events
	$(PY) -m pytest tests/pyodide -q

test-js: setup-node ## studio unit tests (Vitest)
	npm test

test-long: build setup-browser ## the long runs: fuzzing (5,000 flow files per property; schemathesis, 1,000 per route), 200 interrupted edit sequences
	$(PY) -m pytest -m long tests/py tests/server -q
	$(PY) -m pytest -m long tests/e2e -q

test-screenshots: build setup-browser ## retake the screenshots in docs/getting-started.md from the real build (docs/img/)
	$(PY) docs/screenshots.py

test-docs: build ## the documentation site: built offline, every live example points at a real flow
	$(PY) -m pytest tests/docs -q

test-e2e: build setup-browser ## end-to-end tests in Chromium against the production build
	$(PY) -m pytest tests/e2e -q

screenshots: build setup-browser ## retake the screenshots in docs/getting-started.md from the real build (docs/img/)
	$(PY) docs/screenshots.py

docs: build ## build the documentation site, with live examples, into site/ (offline)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

bench: setup ## benchmarks (not tests): figures go to docs/performance.md
	$(PY) bench/engine_throughput.py --docs docs/performance.md
	$(PY) bench/load_start.py --docs docs/performance.md
	$(PY) bench/scale_out.py --docs docs/performance.md
	$(PY) bench/server_overhead.py --docs docs/performance.md
	$(MAKE) build
	npm ci --prefix bench --no-audit --no-fund
	bench/run
	$(PY) bench/schedule_accuracy.py --docs docs/performance.md
