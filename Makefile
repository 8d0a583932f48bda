# Two entry points for a fresh machine: `make book` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= default
# The default install, hash-pinned (requirements.in -> requirements.lock, `make lock`): Python
# 3.11, Linux x86-64, PyPI's torch wheels (torch==2.14.1, torchvision==0.29.1: requirements.in).
LOCK := requirements.lock
UV_VERSION := 0.13.10
# pip warns about every configured package index it cannot read (machines whose pip.conf names
# local mirrors that are absent); those lines say nothing to the reader and are dropped here.
QUIET := 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }

.PHONY: env lock install data notebooks mathjax book student verify reference records test test-gpu lint format clean

# MathJax 3 from the npm registry (checked by SHA-256), served by the book itself from
# _vendor/mathjax/ so that the maths renders without a network (_config.yml: mathjax_path).
# Only the TeX-to-HTML bundle and the parts it loads (fonts, extensions, menu, speech) are kept.
MATHJAX_VERSION := 3.2.2
MATHJAX_SHA256 := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
MATHJAX := _vendor/mathjax/tex-mml-chtml.js
MATHJAX_PARTS := tex-mml-chtml.js input output/chtml.js output/chtml a11y ui adaptors sre

# The environment: a virtualenv installed from the hash-pinned lock (every package at one
# version, each file checked against its SHA-256); the package itself comes with `make install`.
$(VENV)/.deps: $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip $(QUIET)
	$(PY) -m pip install -q --require-hashes -r $(LOCK) $(QUIET)
	touch $@

env: $(VENV)/.deps

# Regenerate the lock from requirements.in and pyproject.toml (uv, from PyPI, in a throw-away
# venv), then environment.yml from the lock; `tests/env/test_lock.py` checks that they agree.
lock:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT \
	  && $(PYTHON) -m venv "$$tmp/uv" \
	  && "$$tmp/uv/bin/python" -m pip install -q uv==$(UV_VERSION) packaging $(QUIET) \
	  && "$$tmp/uv/bin/uv" pip compile requirements.in --python-version 3.11 \
	     --python-platform x86_64-manylinux_2_28 --generate-hashes --no-emit-package vog \
	     --custom-compile-command "make lock" --quiet -o $(LOCK) \
	  && "$$tmp/uv/bin/python" scripts/lock_tools.py environment

# (Re)install the package itself, non-editable: notebooks and tests use the installed copy.
install: env
	$(PY) -m pip install -q --no-deps --no-build-isolation --force-reinstall . $(QUIET)
	rm -rf build vog.egg-info

# The data sets the default profile reads (checked by SHA-256; present ones are kept).
data: install
	$(PY) -m vog.datasets.fetch --root data

notebooks: install data
	$(PY) scripts/run_notebooks.py --profile $(PROFILE) --out book/executed

$(MATHJAX):
	@command -v npm >/dev/null || { echo "npm is missing (apt-get install npm; .ci/run does)"; exit 1; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT \
	  && (cd "$$tmp" && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null) \
	  && echo "$(MATHJAX_SHA256)  $$tmp/mathjax-$(MATHJAX_VERSION).tgz" | sha256sum -c --quiet \
	  && mkdir -p "$$tmp/x" && tar -xzf "$$tmp/mathjax-$(MATHJAX_VERSION).tgz" -C "$$tmp/x" \
	  && rm -rf _vendor/mathjax && mkdir -p _vendor/mathjax \
	  && (cd "$$tmp/x/package/es5" && cp -r --parents $(MATHJAX_PARTS) "$(CURDIR)/_vendor/mathjax/")

mathjax: $(MATHJAX)

book: notebooks $(MATHJAX)
	$(VENV)/bin/jupyter-book build . -n -W --keep-going
	@echo "book: $(CURDIR)/_build/html/index.html"

# The student edition: every chapter with its exercises, the solutions removed by nbgrader
# (student/<chapter>.ipynb; the teaching page says how to hand it out).
student: install
	$(PY) scripts/make_student.py --out student

# Compare every glued value of the executed chapters (book/executed) with the committed reference
# of their profile (reference/$(PROFILE).json): exit 1 on any drift beyond tolerance.
verify: install
	$(PY) scripts/verify_build.py check --profile $(PROFILE) book/executed

# Write the reference of $(PROFILE) (commit it): for the smoke profile from two builds in fresh
# folders, with this processor's float kernels and with torch's portable ones, whose differences
# set each value's tolerance; for another profile from the executed chapters of a clean build.
reference: install
ifeq ($(PROFILE),smoke)
	$(PY) scripts/verify_build.py spread-build --out _build/reference-smoke
	$(PY) scripts/verify_build.py write --profile smoke _build/reference-smoke/native/executed \
	  --spread _build/reference-smoke/portable/executed
else
	$(PY) scripts/verify_build.py write --profile $(PROFILE) book/executed --like reference/smoke.json
endif

# The recorded results of the long profile (profiles/long.yaml: the study's design at ten times
# the scale and H-CAT's benchmark at 10,000 images, three seeds; hours on 2 cores; resumable):
# the two chapters save their evidence tables in results/long/staging/, moved to results/long/
# beside the build record of this run once both have finished (so tables and record always
# come from one run); the executed notebooks and the trained runs (data/runs) are not kept.
RECORDS := results/long
records: install data
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT \
	  && $(PY) scripts/run_notebooks.py --profile long --out "$$tmp" 11_when_claims_hold 13_hcat_benchmark \
	  && mv $(RECORDS)/staging/*.json $(RECORDS)/ && rmdir $(RECORDS)/staging \
	  && cp "$$tmp/build_record.json" $(RECORDS)/build_record.json
	@echo "records: $(CURDIR)/$(RECORDS) (commit them)"

lint: env
	$(VENV)/bin/ruff check vog tests scripts notebooks benchmarks book/_ext
	$(VENV)/bin/ruff format --check vog tests scripts notebooks benchmarks book/_ext
	$(VENV)/bin/mypy  # the package's type hints ([tool.mypy] in pyproject.toml: vog/)

format: env
	$(VENV)/bin/ruff format vog tests scripts notebooks benchmarks book/_ext
	$(VENV)/bin/ruff check --fix vog tests scripts notebooks benchmarks book/_ext

# Two pytest-xdist workers; the tests that share the smoke book (or the paper profile's files)
# stay on one worker (tests/conftest.py: XDIST_GROUPS), so the book is executed once.
TEST_WORKERS ?= 2
test: install lint $(MATHJAX)
	VOG_EXPECT_INSTALLED=1 $(VENV)/bin/pytest -m "not gpu" -n $(TEST_WORKERS) --dist loadgroup

test-gpu: install
	VOG_EXPECT_INSTALLED=1 $(VENV)/bin/pytest -m gpu

clean:
	rm -rf _build book/executed build vog.egg-info _vendor/mathjax
