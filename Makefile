# Two entry points for a fresh machine: `make book` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= default
TORCH_PINS := torch==2.14.1 torchvision==0.29.1
# pip warns about every configured package index it cannot read (machines whose pip.conf names
# local mirrors that are absent); those lines say nothing to the reader and are dropped here.
QUIET := 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }

.PHONY: env install data notebooks book test test-gpu lint format clean

# The environment: a virtualenv with pinned torch and the book/test extras.
$(VENV)/.deps: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip "setuptools>=77" wheel $(QUIET)
	$(PY) -m pip install -q $(TORCH_PINS) $(QUIET)
	$(PY) -m pip install -q ".[vision,book,test]" $(QUIET)
	touch $@

env: $(VENV)/.deps

# (Re)install the package itself, non-editable: notebooks and tests use the installed copy.
install: env
	$(PY) -m pip install -q --no-deps --no-build-isolation --force-reinstall . $(QUIET)
	rm -rf build vog.egg-info

# The data sets the default profile reads (checked by SHA-256; present ones are kept).
data: install
	$(PY) -m vog.datasets.fetch --root data

notebooks: install data
	$(PY) scripts/run_notebooks.py --profile $(PROFILE) --out book/executed

book: notebooks
	$(VENV)/bin/jupyter-book build . -n -W --keep-going
	@echo "book: $(CURDIR)/_build/html/index.html"

lint: env
	$(VENV)/bin/ruff check vog tests scripts notebooks benchmarks
	$(VENV)/bin/ruff format --check vog tests scripts notebooks benchmarks

format: env
	$(VENV)/bin/ruff format vog tests scripts notebooks benchmarks
	$(VENV)/bin/ruff check --fix vog tests scripts notebooks benchmarks

test: install lint
	VOG_EXPECT_INSTALLED=1 $(VENV)/bin/pytest -m "not gpu"

test-gpu: install
	VOG_EXPECT_INSTALLED=1 $(VENV)/bin/pytest -m gpu

clean:
	rm -rf _build book/executed build vog.egg-info
