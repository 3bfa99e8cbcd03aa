# Quick start: `make run` builds the reference spec; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test setup setup-test bench schema clean

run: setup
	$(BIN)/mccompile build

setup: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "mccompile needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[scan]'
	touch $@

setup-test: $(VENV)/.installed-test
$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

test: setup-test
	@command -v terraform >/dev/null 2>&1 || { \
	  echo "terraform (>= 1.11) is not on PATH: install it first (see README, Prerequisites)"; \
	  exit 1; }
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/bench.py

schema: setup
	$(BIN)/mccompile schema > schema.json

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
