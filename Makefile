# matgrad: set-up, tests and book build. Every target creates the virtual environment if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with book/nbval_sanitize.cfg

.PHONY: help venv test unit nbval book clean-book execute lint cite-check clean bench

help:
	@echo "make book     build the HTML book strictly into _build/html (creates .venv if missing)"
	@echo "make test     unit tests, then re-execute every notebook under strict nbval"
	@echo "make execute  re-execute every notebook in place (after editing one)"
	@echo "make lint     ruff over the package, tests, tools and notebooks"
	@echo "make bench    time the loss and gradient (a few minutes); writes benchmarks/results/gradient_speed.json"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

test: venv unit nbval

unit: venv
	$(BIN)/python -m pytest -q

nbval: venv
	$(BIN)/python -m pytest -q $(NBVAL) book

# Strict build from scratch: --all rebuilds every page, so a broken reference anywhere fails it.
book: venv
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "The book is in _build/html/index.html"

clean-book:
	rm -rf _build

execute: venv
	$(BIN)/python tools/execute_notebooks.py

# Validate CITATION.cff against the CFF 1.2.0 schema with the reference validator (own small venv).
cite-check:
	test -x .venv-cff/bin/cffconvert || ($(PYTHON) -m venv .venv-cff && .venv-cff/bin/python -m pip install -q cffconvert==2.0.0)
	.venv-cff/bin/cffconvert --validate -i CITATION.cff

lint: venv
	$(BIN)/ruff check src tests tools book

# Timings for the chapter "What a gradient costs" (book/13-cost.ipynb reads the JSON; re-execute it after).
bench: venv
	$(BIN)/python benchmarks/gradient_speed.py --output benchmarks/results/gradient_speed.json

clean: clean-book
	rm -rf $(VENV) .venv-cff .pytest_cache .hypothesis
