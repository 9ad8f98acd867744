# matgrad: set-up, tests and book build. Every target creates the virtual environment if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with book/nbval_sanitize.cfg

.PHONY: help venv lab test unit nbval book clean-book execute lint cite-check clean bench test-oldest mutation

help:
	@echo "make book     build the HTML book strictly into _build/html (creates .venv if missing)"
	@echo "make lab      open the chapters in JupyterLab, with the .venv kernel that has matgrad (creates .venv if missing)"
	@echo "make test     unit tests, then re-execute every notebook under strict nbval"
	@echo "make execute  re-execute every notebook in place (after editing one)"
	@echo "make lint     ruff over the package, tests, tools and notebooks"
	@echo "make bench    time the loss and gradient (a few minutes); writes benchmarks/results/gradient_speed.json"
	@echo "make test-oldest  unit tests and strict nbval with the oldest supported NumPy, in .venv-oldest"
	@echo "make mutation     mutation testing of the numerical core with mutmut, in .venv-dev (about 30 minutes); fails on an unexplained survivor"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

# JupyterLab in book/, from .venv (whose kernel imports matgrad). As root (containers), JupyterLab needs --allow-root.
# LAB_DIR and LAB_ARGS let tests/test_lab.py start it on a copy of a chapter, on a port and token of its own.
LAB_DIR ?= book
lab: venv
	$(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_DIR) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

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

# Timings for the chapter "What a gradient costs" (book/13-cost.ipynb reads the JSON; re-execute it after),
# in .venv-bench: the NumPy pinned in requirements.txt plus requirements-bench.txt. Run it on a quiet machine.
BENCH := .venv-bench
$(BENCH)/.installed: requirements.txt requirements-bench.txt pyproject.toml
	test -x $(BENCH)/bin/python || $(PYTHON) -m venv $(BENCH)
	$(BENCH)/bin/python -m pip install -q --upgrade pip
	$(BENCH)/bin/python -m pip install -q -r requirements-bench.txt $$(grep -E '^numpy==' requirements.txt)
	touch $@

bench: $(BENCH)/.installed
	$(BENCH)/bin/python benchmarks/gradient_speed.py --output benchmarks/results/gradient_speed.json

# The oldest NumPy that pyproject.toml allows: requirements.txt with the pins of requirements-oldest.txt
# in place of the same packages, in .venv-oldest; then the unit tests and strict nbval.
OLDEST := .venv-oldest
$(OLDEST)/.installed: requirements.txt requirements-oldest.txt pyproject.toml
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	grep -v -i -E "^($$(grep -o -E '^[A-Za-z0-9_.-]+==' requirements-oldest.txt | tr -d = | paste -sd '|'))==" \
		requirements.txt > $(OLDEST)/requirements.txt
	grep -E '^[A-Za-z0-9_.-]+==' requirements-oldest.txt >> $(OLDEST)/requirements.txt
	$(OLDEST)/bin/python -m pip install -q --upgrade pip
	$(OLDEST)/bin/python -m pip install -q -r $(OLDEST)/requirements.txt
	touch $@

test-oldest: $(OLDEST)/.installed
	$(OLDEST)/bin/python -c "import numpy; print('NumPy', numpy.__version__)"
	$(OLDEST)/bin/python -m pytest -q -p no:cacheprovider -m "not browser"
	$(OLDEST)/bin/python -m pytest -q -p no:cacheprovider $(NBVAL) book

# Mutation testing (not part of CI): mutmut with the [tool.mutmut] settings of pyproject.toml, in
# .venv-dev, where matgrad is not installed, so that the tests import the mutants. See docs/DEVELOPERS.md.
DEV := .venv-dev
$(DEV)/.installed: requirements.txt requirements-dev.txt
	test -x $(DEV)/bin/python || $(PYTHON) -m venv $(DEV)
	grep -v '^-e' requirements.txt > $(DEV)/requirements.txt
	$(DEV)/bin/python -m pip install -q --upgrade pip
	$(DEV)/bin/python -m pip install -q -r $(DEV)/requirements.txt -r requirements-dev.txt
	touch $@

mutation: $(DEV)/.installed
	rm -rf mutants
	$(DEV)/bin/mutmut run --max-children 2
	$(DEV)/bin/mutmut results | $(DEV)/bin/python tools/mutation_survivors.py

clean: clean-book
	rm -rf $(VENV) .venv-cff .pytest_cache .hypothesis
