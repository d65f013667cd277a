# aigap — two commands on a fresh machine: `make run` (the whole pipeline on the bundled sample)
# and `make test`. Everything else is for development.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv if present, else the uv that `make install` puts in this Python with pip.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/seeds dbt_project/macros dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml

.PHONY: help install manifest test-deps run test test-fast dev check bench bench-scale report dashboard dbt-docs sample clean

help:
	@echo "make run     materialize every asset on the bundled sample, run every check, publish serving"
	@echo "make test    the test suite"
	@echo "make dev     the Dagster UI on http://127.0.0.1:3000"
	@echo "make test-fast  the quick loop: every test not marked slow"
	@echo "make check   ruff (lint + format check), sqlfluff (dbt templater) and dg check defs"
	@echo "make report  charts and the HTML page from the serving file (also part of make run)"
	@echo "make dashboard  the dashboard (Observable Framework) from the serving file, as a static site in \$$AIGAP_HOME/dashboard/"
	@echo "make dbt-docs  the dbt docs site from the serving file, in \$$AIGAP_HOME/reports/dbt-docs/"
	@echo "make bench   benchmarks that print figures"
	@echo "make bench-scale  a synthetic market of AIGAP_SCALE_COMPANIES (5000) filers through one run, then a daily increment"
	@echo "make sample  regenerate the bundled sample (deterministic)"

.venv/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

install: .venv/.installed

$(MANIFEST): .venv/.installed $(DBT_SOURCES)
	$(RUN) dagster-dbt project prepare-and-package --file orchestration/dbt_project.py
	@touch $@

manifest: $(MANIFEST)

run: $(MANIFEST)
	$(RUN) python -m orchestration.run

# The suite starts Python some forty times (pipeline runs, dbt, DuckDB 1.x clients): with the bytecode of
# the first kept in .cache/pycache, the others skip compiling dagster, dbt and great_expectations again
# (a minute or more of the suite when PYTHONDONTWRITEBYTECODE is set, as on our machines). The run's
# own environment is untouched: `make run` and `make bench` start as a user's would.
TEST_ENV := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/.cache/pycache

# What the tests need beyond Python, installed when missing (root; otherwise it prints the apt-get command):
# Debian's chromium, nodejs, npm and postgresql, and the dashboard's Node packages (npm ci).
test-deps:
	tools/install_test_deps.sh

# Three workers (pytest-xdist) on two cores, a test file each at a time, in the order tests/conftest.py
# gives (the runs spend part of their time waiting on dbt and each other); the run most tests compare
# with is built once between them (tests/support/pipeline_proc.py: baseline).
test: $(MANIFEST) test-deps
	$(TEST_ENV) $(RUN) pytest -n 3 --dist loadfile --no-loadscope-reorder

test-fast: $(MANIFEST) test-deps
	$(TEST_ENV) $(RUN) pytest -m "not slow"

# The Dagster instance beside the warehouse (AIGAP_HOME, or its one default in ingestion/config.py), with
# the dagster.yaml the project writes (orchestration/instance.py: no telemetry, no newsletter modal).
dev: $(MANIFEST)
	export DAGSTER_HOME="$$($(RUN) python -m orchestration.instance)" && \
	$(RUN) dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

check: $(MANIFEST)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) sqlfluff lint dbt_project/models dbt_project/tests --disable-progress-bar
	$(RUN) dg check defs

report: .venv/.installed
	$(RUN) python -m ingestion.publish.report

# The dashboard (dashboard/, Observable Framework): npm ci when node_modules is stale, then a static site built
# from the published serving file only.
dashboard: .venv/.installed
	$(RUN) python -m ingestion.publish.dashboard

# dbt docs generate against the serving file attached read-only (never the working file's lock).
dbt-docs: .venv/.installed
	$(RUN) python -m ingestion.publish.dbt_docs

bench: $(MANIFEST)
	$(RUN) python bench/run_all.py

# A synthetic market of AIGAP_SCALE_COMPANIES filers (default 5000; tools/scale/) through one refresh run, then
# one more day and 50 changed filers; its last two lines are the figures (README: "The market at scale").
bench-scale: $(MANIFEST)
	$(RUN) python -m tools.scale.bench_scale

sample: .venv/.installed
	$(RUN) python -m tools.sample.make_sample

clean:
	rm -rf dbt_project/target dbt_project/logs .venv/.installed
