# The README's commands. `make lab` to learn, `make test` to check everything, `make help` lists them.
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOK_DIRS := $(wildcard notebooks exercises solutions)
# the project's Jupyter settings (no news prompt); figures use the kernel's inline backend
export JUPYTERLAB_SETTINGS_DIR := $(CURDIR)/.jupyter/lab/user-settings
export JUPYTERLAB_WORKSPACES_DIR := $(CURDIR)/.jupyter/lab/workspaces
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup lab test unit refresh
help:  ## list the commands (this text)
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)


setup: $(STAMP)  ## create .venv and install the course with the pinned versions (no-op when up to date)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "minidl needs Python 3.10 or newer; found " + sys.version.split()[0] + ". Install a newer Python, then: make setup PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[course,test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" > /dev/null
	touch $(STAMP)

# --allow-root only where the user is root (containers, some workshop machines): Jupyter refuses otherwise
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: setup  ## JupyterLab on the course, on localhost only, with its normal token authentication
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(CURDIR) $(ALLOW_ROOT) notebooks/00_getting_started.ipynb

# One pytest run: the unit tests and every notebook re-run by nbval (offline: see
# tests/nbval_plugin.py), on 2 workers, each notebook kept on one worker (loadscope).
# Measured here: 1m12s serial for the notebooks, 43 s with -n 2.
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg -p tests.nbval_plugin
XDIST := -n 2 --dist loadscope

test: setup  ## unit tests and every notebook re-run by nbval
	$(BIN)/python -m pytest -q $(XDIST) $(NBVAL) tests $(NOTEBOOK_DIRS)

# The same run on a different arithmetic path: NumPy's SIMD dispatch held to its baseline (every
# dispatched feature this NumPy knows is disabled) and one BLAS/OpenMP thread. A stored output
# that depends on round-off, SIMD path or thread count fails here. OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE are left as the machine sets them (some CPUs need them).
NPY_DISPATCH = $(shell $(BIN)/python -c 'import numpy._core._multiarray_umath as m; print(" ".join(m.__cpu_dispatch__))' 2>/dev/null)

.PHONY: test-portable
test-portable: setup  ## make test with NumPy's SIMD at its baseline and one BLAS thread
	NPY_DISABLE_CPU_FEATURES="$(NPY_DISPATCH)" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(MAKE) --no-print-directory test

# The unit tests once more in a second environment with the oldest NumPy and matplotlib that
# pyproject.toml declares (tools/oldest_constraints.py), so the floors are ones we test.
OLDEST := .venv-oldest

.PHONY: test-oldest
test-oldest:  ## unit tests on the oldest NumPy and matplotlib pyproject.toml allows
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(PYTHON) tools/oldest_constraints.py > $(OLDEST)/constraints.txt
	$(OLDEST)/bin/python -m pip install --quiet -c $(OLDEST)/constraints.txt -e ".[course,test]"
	$(OLDEST)/bin/python -c 'import numpy, matplotlib; print("oldest declared: numpy", numpy.__version__, "matplotlib", matplotlib.__version__)'
	$(OLDEST)/bin/python -m pytest -q $(XDIST) tests

# nbgrader in its own environment: generate every assignment from solutions/, autograde a perfect,
# a partial and a blank submission of each, and check the scores (tests/grading).
GRADER := .venv-nbgrader

.PHONY: test-nbgrader
test-nbgrader:  ## nbgrader generates and autogrades perfect, partial and blank submissions
	test -x $(GRADER)/bin/python || $(PYTHON) -m venv $(GRADER)
	$(GRADER)/bin/python -m pip install --quiet -c constraints.txt -e ".[grading]"
	$(GRADER)/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" > /dev/null
	$(GRADER)/bin/python -m pytest -q -p no:cacheprovider --noconftest tests/grading

# The course in a real browser (tests/browser/test_lab.py): JupyterLab started as `make lab`
# starts it, every lesson and exercise notebook opened as saved, then Run All, in Debian's
# chromium driven by Playwright (the browser extra; never `playwright install`). Screenshots
# and report.json: tests/browser/screenshots/ (BROWSER_ARGS="--screenshots DIR" elsewhere).
# Measured here: 3m59s for all 13 notebooks on 2 shared cores (each opened twice, run once).
CHROMIUM ?= /usr/bin/chromium
.PHONY: test-browser
test-browser: setup  ## every notebook opened in JupyterLab in chromium, run, and looked at
	@test -x $(CHROMIUM) || { echo "make test-browser needs Debian's chromium at $(CHROMIUM): sudo apt-get install chromium (or: make test-browser CHROMIUM=/path/to/chromium)"; exit 1; }
	@$(BIN)/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('playwright') is None)" || $(BIN)/python -m pip install --quiet -c constraints.txt -e ".[browser]"
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q --browser tests/browser $(BROWSER_ARGS)

unit: setup  ## only the unit tests (fast)
	$(BIN)/python -m pytest -q tests

refresh: setup  ## re-execute every lesson notebook in place (after changing minidl)
	$(BIN)/python tools/run_notebooks.py notebooks/*.ipynb

.PHONY: bench
bench: setup  ## time minidl against hand-written NumPy, PyTorch, DeZero and micrograd; PASS/MISS per target
	@$(BIN)/python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ('dezero', 'micrograd', 'threadpoolctl')))" || $(BIN)/python -m pip install --quiet -c constraints.txt -e ".[bench]"
	$(BIN)/python benchmarks/bench.py

.PHONY: lint
lint: setup  ## ruff (style, imports, bugbear, pyupgrade) and mypy on the package, as configured in pyproject.toml
	@$(BIN)/python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ('ruff', 'mypy')))" || $(BIN)/python -m pip install --quiet -c constraints.txt -e ".[lint]"
	$(BIN)/python -m ruff check minidl
	$(BIN)/python -m mypy

.PHONY: times
times:  ## estimated learner time per notebook (the method is in tools/lesson_time.py)
	@$(PYTHON) tools/lesson_time.py notebooks/*.ipynb

.PHONY: exercises
exercises: setup  ## regenerate exercises/ from solutions/ (run the solutions, stub them, run the stubs)
	$(BIN)/python tools/make_exercises.py
