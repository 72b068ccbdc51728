# GAN Failure Lab: build the book, run the labs, run the tests.
#
#   make book     execute every chapter (full size) and build the book into _build/html
#   make test     lint, unit tests, every notebook in fast mode, the book built in fast mode
#                 (warnings as errors) and checked in a real browser
#   make lab      JupyterLab on the labs
#
# The only things needed from outside the repository are python3 (>= 3.11, with its venv
# module) and make: the first target that needs it creates .venv from requirements.txt.
#
# Variables you may override on the command line:
#   PYTHON=python3.12          interpreter used to create .venv
#   PIP_EXTRA="--extra-index-url https://download.pytorch.org/whl/cpu"
#                              extra pip options (e.g. CPU-only PyTorch wheels on Linux)
#   NBVAL_JOBS=0               pytest-xdist workers for the notebooks (default: auto, one per
#                              core; 0 runs them one after another in one process)
#   UNIT_JOBS=0                the same for the unit tests (default: auto)
#   KEEP_CACHE=1               make book / book-fast keep the chapters' execution cache even
#                              though gan_toy changed since it was filled (default: delete it)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PIP_EXTRA ?=
NBVAL_JOBS ?= auto
UNIT_JOBS ?= auto

# Jupyter kernels show figures inline only when MPLBACKEND is unset (ipykernel then sets it to
# the inline backend). With MPLBACKEND=Agg inherited from the shell, every chapter still runs but
# the built book has no figures, so no target passes it on. Tests that draw pick Agg themselves.
unexport MPLBACKEND

# Notebooks that nbval executes (book chapters and labs; never checkpoints or build output).
NOTEBOOKS = $(shell find book labs -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' 2>/dev/null | sort)

# The book's chapters (notebooks under book/).
CHAPTERS = $(filter book/%,$(NOTEBOOKS))

# Per-cell limit for nbval in fast mode: a notebook should take well under a minute, so a cell
# that runs for minutes is a bug (or fast mode not honoured), not a slow machine.
NBVAL_CELL_TIMEOUT ?= 300

# Parallelism (pytest-xdist). Notebooks are independent and each runs for up to a minute, so
# they run one per core. --dist loadfile keeps all cells of a notebook on one worker, in order,
# which nbval requires. With several workers every PyTorch process must stay on one thread:
# two processes each spinning two OpenMP threads on two cores run several times slower than one.
# The unit tests run one file per worker too: since the nbgrader tests (generate and autograde
# each lab, ~30 s a lab) and the MNIST tests joined, two workers take 3.0 min on 2 cores
# against 4.3 min serially.
xdist = $(if $(filter 0,$(1)),,-n $(1) --dist loadfile)
threads = $(if $(filter 0,$(1)),,OMP_NUM_THREADS=1 MKL_NUM_THREADS=1)

# Output folders. jupyter-book writes to <path-output>/_build/html and keeps its execution cache
# in <path-output>/_build/.jupyter_cache, keyed on notebook source only. Fast-mode and full
# builds therefore never share a folder: full -> _build/, fast -> _build_fast/_build/,
# structure check -> _build_check/_build/.
BOOK_FAST_DIR := _build_fast
BOOK_CHECK_DIR := _build_check

# MathJax served with the book instead of from a CDN, so pages typeset their maths offline (and
# the browser test can check it). Fetched from the npm registry; without npm, a small shim that
# loads the same version from the CDN takes its place.
MATHJAX_VERSION := 3.2.2
MATHJAX := _static/mathjax/tex-svg.js

# The same options as the nbstripout hook in .pre-commit-config.yaml.
NBSTRIPOUT_ARGS := --extra-keys "metadata.language_info.version metadata.vscode"

.PHONY: help venv test lint unit colab-check nbval browser book-check book book-fast lab student format clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

# ---------------------------------------------------------------------------------------------
# Environment

venv: $(STAMP)  ## create .venv with the pinned requirements and gan_toy (editable)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: requirements.txt pins packages that need Python >= 3.11;" \
	       "run e.g. 'make PYTHON=python3.11 ...'" >&2; exit 1; }
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install $(PIP_EXTRA) -r requirements.txt
	$(PY) -m pip install $(PIP_EXTRA) --no-deps -e .
	@# A kernel named python3 inside the venv, pointing at the venv's interpreter, so notebooks
	@# (kernelspec name python3) execute with it in the book build and in JupyterLab.
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)"
	touch $@

# ---------------------------------------------------------------------------------------------
# Tests

# The fast-mode book build executes the chapters a second time (nbval's run cannot be reused),
# but it is the only way to check what a reader gets: the built pages, in a browser. It also
# builds with warnings as errors, so it covers book-check's structure check.
test: lint unit colab-check nbval browser  ## lint, unit tests, Colab versions, notebooks, book + browser
	@echo "make test: all checks passed"

lint: venv  ## ruff lint + format check (code and notebooks), mypy type check of gan_toy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# --durations lists the slowest tests, so a test that grows shows up in every CI log.
unit: venv  ## unit tests (tests/, except the browser test, which needs the built book)
	$(call threads,$(UNIT_JOBS)) $(BIN)/pytest $(call xdist,$(UNIT_JOBS)) tests \
	  --ignore=tests/test_book_browser.py --durations=15

# The panels under Colab's package versions (requirements-colab.txt), with gan_toy installed from
# the repository as a package, not editable, as the labs' first cell installs it in Colab.
# --import-mode=importlib keeps the working tree off sys.path, so the tests import that package.
COLAB_VENV := .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed
COLAB_TESTS := tests/test_colab_env.py tests/test_widgets.py tests/test_mnist_widgets.py

$(COLAB_STAMP): requirements-colab.txt pyproject.toml $(shell git ls-files gan_toy 2>/dev/null)
	@test -x $(COLAB_VENV)/bin/python || $(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install -q $(PIP_EXTRA) -r requirements-colab.txt
	$(COLAB_VENV)/bin/python -m pip install -q $(PIP_EXTRA) --no-deps --force-reinstall .
	touch $@

colab-check: $(COLAB_STAMP)  ## the panel tests under Colab's versions (ipywidgets 7.7, numpy 2.0)
	cd $(COLAB_VENV) && GAN_TOY_COLAB_CHECK=1 $(call threads,$(UNIT_JOBS)) bin/python -m pytest \
	  -p no:cacheprovider --disable-warnings --import-mode=importlib -o pythonpath= \
	  --rootdir=$(CURDIR) \
	  -c $(CURDIR)/pyproject.toml $(call xdist,$(UNIT_JOBS)) $(addprefix $(CURDIR)/,$(COLAB_TESTS))

# Headless Chromium on the fast-mode build (tests/test_book_browser.py). Without Chromium the
# test skips and says how to install it; REQUIRE_BROWSER=1 (.ci/run sets it) makes that a failure.
browser: book-fast  ## build the book in fast mode and check its pages in headless Chromium
	$(BIN)/pytest -p no:cacheprovider tests/test_book_browser.py

nbval: venv  ## execute every notebook in book/ and labs/ in fast mode (GAN_TOY_FAST=1)
	@if [ -z "$(NOTEBOOKS)" ]; then echo "nbval: no notebooks found"; exit 1; fi
	GAN_TOY_FAST=1 $(call threads,$(NBVAL_JOBS)) $(BIN)/pytest -p no:cacheprovider \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=$(NBVAL_CELL_TIMEOUT) \
	  $(call xdist,$(NBVAL_JOBS)) $(NOTEBOOKS)

# Structure check: build the book with execution OFF (a copy of _config.yml with
# execute.execute_notebooks: "off", passed with --config) and warnings as errors. Catches
# broken cross-references, citations, toc entries and MyST syntax in seconds; notebook
# execution itself is nbval's job above.
$(MATHJAX):
	@mkdir -p $(dir $@)
	@if command -v npm >/dev/null 2>&1; then \
	  tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null) && \
	  tar -xzf $$tmp/mathjax-$(MATHJAX_VERSION).tgz -C $$tmp && \
	  cp $$tmp/package/es5/tex-svg.js $@ && cp $$tmp/package/LICENSE $(dir $@)LICENSE && \
	  rm -rf $$tmp && echo "MathJax $(MATHJAX_VERSION) -> $@"; \
	else \
	  echo "npm not found: $@ will load MathJax $(MATHJAX_VERSION) from a CDN"; \
	  echo 'document.write("<script src=\"https://cdn.jsdelivr.net/npm/mathjax@$(MATHJAX_VERSION)/es5/tex-svg.js\"><\/script>");' > $@; \
	fi

book-check: venv $(MATHJAX)  ## build the book without executing notebooks, warnings as errors
	@mkdir -p $(BOOK_CHECK_DIR)
	@# (local extensions' folders are relative to the config file, which moves: make them absolute)
	$(PY) -c 'import os, yaml; c = yaml.safe_load(open("_config.yml")); \
	  c.setdefault("execute", {})["execute_notebooks"] = "off"; \
	  ext = c["sphinx"].get("local_extensions", {}); \
	  c["sphinx"]["local_extensions"] = {k: os.path.abspath(v) for k, v in ext.items()}; \
	  yaml.safe_dump(c, open("$(BOOK_CHECK_DIR)/_config.yml", "w"), sort_keys=False)'
	$(BIN)/jupyter-book build . --config $(BOOK_CHECK_DIR)/_config.yml \
	  --path-output $(BOOK_CHECK_DIR) --all -W -n --keep-going

# ---------------------------------------------------------------------------------------------
# The book

# The execution cache keys on a chapter's code cells only, so tools/book_cache_guard.py deletes
# it when gan_toy or requirements.txt changed since it was filled (KEEP_CACHE=1: keep it anyway).
guard_cache = $(PY) tools/book_cache_guard.py $(1) $(if $(filter 1,$(KEEP_CACHE)),--keep)

# Chapters executed for the static book draw no progress bars (gan_toy.progress): a widget in a
# static page is dead.
STATIC := GAN_TOY_STATIC=1

# Both builds execute the chapters first, one per core and one thread each, into the build's
# execution cache (tools/execute_into_cache.py: longest first, a line per chapter with its time,
# and every few minutes which are still running and about how long they have left, by this
# folder's last build or, in a first build, by book/chapter_times.json); the build then finds
# them executed.
book: venv $(MATHJAX)  ## execute every chapter at full size and build the book (_build/html)
	$(call guard_cache,_build/.jupyter_cache)
	env -u GAN_TOY_FAST $(STATIC) OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) \
	  tools/execute_into_cache.py _build/.jupyter_cache $(CHAPTERS) \
	  --expected book/chapter_times.json
	env -u GAN_TOY_FAST $(STATIC) $(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"

book-fast: venv $(MATHJAX)  ## the same in fast mode (GAN_TOY_FAST=1), into _build_fast/
	$(call guard_cache,$(BOOK_FAST_DIR)/_build/.jupyter_cache)
	GAN_TOY_FAST=1 $(STATIC) OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) tools/execute_into_cache.py \
	  $(BOOK_FAST_DIR)/_build/.jupyter_cache $(CHAPTERS)
	GAN_TOY_FAST=1 $(STATIC) $(BIN)/jupyter-book build . --path-output $(BOOK_FAST_DIR) -W -n \
	  --keep-going
	@echo "The book (fast mode): $(CURDIR)/$(BOOK_FAST_DIR)/_build/html/index.html"

# The student copies (student/<lab>/<lab>.ipynb) are what nbgrader generate_assignment makes of
# the instructor versions in labs/; a test fails when the committed ones are out of date.
student: venv  ## regenerate the labs' student copies in student/ (nbgrader, no solutions)
	$(PY) tools/make_student_copies.py

# JupyterLab refuses to run as root unless told; in a container or a cloud VM root is the norm.
lab: venv  ## open JupyterLab on the labs
	$(BIN)/jupyter lab labs/ $(if $(filter 0,$(shell id -u)),--allow-root)

# ---------------------------------------------------------------------------------------------
# Housekeeping

format: venv  ## ruff format + ruff check --fix; strip notebook outputs
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	@if [ -n "$(NOTEBOOKS)" ]; then $(BIN)/nbstripout $(NBSTRIPOUT_ARGS) $(NOTEBOOKS); fi

clean:  ## remove builds and caches (keeps .venv)
	rm -rf _build $(BOOK_FAST_DIR) $(BOOK_CHECK_DIR) .pytest_cache .ruff_cache .mypy_cache *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean  ## clean, and remove .venv and .venv-colab too
	rm -rf $(VENV) $(COLAB_VENV)
