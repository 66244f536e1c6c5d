# Two entry points: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAILYPAPERS_HOME ?= $(CURDIR)/var

.PHONY: run test lint format bench-ingest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,neural,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/dailypapers bootstrap
	$(BIN)/dailypapers serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py --records 100000

clean:
	rm -rf $(VENV) var
