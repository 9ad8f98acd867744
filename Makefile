# matgrad: set-up, tests and book build. Every target creates the environment it needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with book/nbval_sanitize.cfg

.PHONY: help venv lab test unit nbval book pdf test-pdf clean-book execute lint format cite-check bench bench-cluster test-oldest test-extras mutation clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "make %-12s %s\n", $$1, $$2}'

# --- the reader's environment: .venv, exactly requirements.txt (matgrad installed in editable mode) ---
venv: $(VENV)/.installed ## create .venv from requirements.txt

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

book: venv ## build the HTML book strictly into _build/html (--all, so a broken reference anywhere fails)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "The book is in _build/html/index.html"

# The PDF needs a TeX installation (Debian: texlive-latex-extra texlive-fonts-extra texlive-fonts-recommended
# texlive-xetex latexmk fonts-freefont-otf; poppler-utils for make test-pdf). .ci/run installs them.
pdf: venv ## build the whole book as a PDF into _build/latex/matgrad.pdf (with XeLaTeX; needs TeX, see the README)
	$(BIN)/jupyter-book build . --builder pdflatex --all -W -n --keep-going
	@echo "The PDF is in _build/latex/matgrad.pdf"

test-pdf: venv ## read back the PDF (after make pdf): titles, references, raw markup, margins, figures, numbers
	MATGRAD_REQUIRE_PDF=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_pdf.py

# LAB_DIR and LAB_ARGS let tests/test_lab.py start it on a copy of a chapter, on a port and token of its own.
# As root (containers), JupyterLab needs --allow-root.
LAB_DIR ?= book
lab: venv ## open the chapters in JupyterLab, with the .venv kernel that has matgrad
	$(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_DIR) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: venv unit nbval ## unit tests, then re-execute every notebook under strict nbval

unit: venv ## unit, property, hygiene and browser tests, and the doctests of src/matgrad
	$(BIN)/python -m pytest -q

nbval: venv ## re-execute every notebook and compare with its stored outputs (strict, never --nbval-lax)
	$(BIN)/python -m pytest -q $(NBVAL) book

execute: venv ## re-execute every notebook in place (after editing one)
	$(BIN)/python tools/execute_notebooks.py

lint: venv ## ruff: lint and format check of the package, tests, tools and notebooks
	$(BIN)/ruff check src tests tools benchmarks book
	$(BIN)/ruff format --check src tests tools benchmarks

format: venv ## ruff: format the code in place
	$(BIN)/ruff format src tests tools benchmarks

clean-book: ## remove the built book
	rm -rf _build

# --- further environments, all under .venvs/<name>: one pattern rule builds each from its requirements ---
# .venvs/oldest: requirements.txt with the pins of requirements-oldest.txt in place of the same packages
# .venvs/bench:  requirements-bench.txt and the NumPy of requirements.txt
# .venvs/dev:    requirements.txt without the editable matgrad (mutmut must import the mutants), plus requirements-dev.txt
# .venvs/cff:    the CITATION.cff validator
# .venvs/extras: requirements.txt plus requirements-extras.txt (PyTorch, CPU build): the optional framework extra
VENVS := .venvs
$(VENVS)/oldest/requirements.txt: requirements.txt requirements-oldest.txt
	mkdir -p $(@D)
	grep -v -i -E "^($$(grep -o -E '^[A-Za-z0-9_.-]+==' requirements-oldest.txt | tr -d = | paste -sd '|'))==" \
		requirements.txt > $@
	grep -E '^[A-Za-z0-9_.-]+==' requirements-oldest.txt >> $@
$(VENVS)/bench/requirements.txt: requirements.txt requirements-bench.txt
	mkdir -p $(@D)
	{ cat requirements-bench.txt; grep -E '^numpy==' requirements.txt; } > $@
$(VENVS)/dev/requirements.txt: requirements.txt requirements-dev.txt
	mkdir -p $(@D)
	{ grep -v '^-e' requirements.txt; cat requirements-dev.txt; } > $@
$(VENVS)/extras/requirements.txt: requirements.txt requirements-extras.txt
	mkdir -p $(@D)
	{ cat requirements.txt; grep -E '^[A-Za-z0-9_.-]+==' requirements-extras.txt; } > $@
$(VENVS)/cff/requirements.txt:
	mkdir -p $(@D)
	echo "cffconvert==2.0.0" > $@

$(VENVS)/%/.installed: $(VENVS)/%/requirements.txt pyproject.toml
	test -x $(@D)/bin/python || $(PYTHON) -m venv $(@D)
	$(@D)/bin/python -m pip install -q --upgrade pip
	$(@D)/bin/python -m pip install -q -r $<
	touch $@

test-oldest: $(VENVS)/oldest/.installed ## unit tests and strict nbval with the oldest supported NumPy
	$(VENVS)/oldest/bin/python -c "import numpy; print('NumPy', numpy.__version__)"
	$(VENVS)/oldest/bin/python -m pytest -q -p no:cacheprovider -m "not browser"
	$(VENVS)/oldest/bin/python -m pytest -q -p no:cacheprovider $(NBVAL) book

# The framework code of chapter 14 (book/extras/) needs PyTorch, which the book's own environment does not have.
test-extras: $(VENVS)/extras/.installed ## the PyTorch extra: re-run book/extras/ and compare with its stored output
	$(VENVS)/extras/bin/python -c "import torch; print('PyTorch', torch.__version__)"
	$(VENVS)/extras/bin/python -m pytest -q -p no:cacheprovider tests/extras

cite-check: $(VENVS)/cff/.installed ## validate CITATION.cff against the CFF 1.2.0 schema
	$(VENVS)/cff/bin/cffconvert --validate -i CITATION.cff

# Timings for chapter 15 ("What a gradient costs", which reads the JSON; re-execute it after). Run on a quiet machine.
bench: $(VENVS)/bench/.installed ## time the loss, gradient and descent; writes benchmarks/results/gradient_speed.json
	$(VENVS)/bench/bin/python benchmarks/gradient_speed.py --output benchmarks/results/gradient_speed.json

# Timings for chapter 16 ("When X does not fit"), which reads the JSON; re-execute it after. BENCH_ARGS=--large
# writes X up to 4 GiB (in a temporary directory, removed at the end).
bench-cluster: venv ## time the gradient from disk, NumPy against Dask; writes benchmarks/results/out_of_core.json
	$(BIN)/python benchmarks/out_of_core.py --output benchmarks/results/out_of_core.json $(BENCH_ARGS)

# Mutation testing of the core formulas with mutmut (settings in pyproject.toml; not part of CI).
mutation: $(VENVS)/dev/.installed ## mutation testing of the core formulas (about 10 minutes)
	rm -rf mutants
	$(VENVS)/dev/bin/mutmut run --max-children 2
	$(VENVS)/dev/bin/mutmut results | $(VENVS)/dev/bin/python tools/mutation_score.py

clean: clean-book ## remove every environment, cache and build output
	rm -rf $(VENV) $(VENVS) .venv-* mutants .pytest_cache .hypothesis .ruff_cache artifacts
