# nnedu course: `make lab` for students, `make test` for everyone (and CI).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= 2
NOTEBOOKS := $(sort $(wildcard lectures/*.ipynb)) $(sort $(wildcard solutions/*.ipynb))
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Tests and notebook runs use one BLAS/OpenMP thread per process: `make test` runs two notebooks at once
# on two cores (more threads would fight for them), and the committed outputs are produced the same way.
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: install lab test unit nbval notebooks labs grade release bench clean

# Create the virtual environment on first use and (re)install whenever the pins change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## Start JupyterLab on the course (no browser; open the printed URL).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --no-browser $(ROOT_FLAG) --ServerApp.root_dir=$(CURDIR)

## Unit tests, the labs-in-sync check, and strict nbval on every lecture and solution notebook.
test: $(STAMP)
	$(PY) -m nnedu.instructor labs --check
	$(ONE_THREAD) $(PY) -m pytest -n $(JOBS) --dist loadfile tests \
	    --nbval --nbval-current-env --nbval-cell-timeout=300 \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS)

unit: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n $(JOBS) tests

nbval: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n $(JOBS) --dist loadfile --nbval --nbval-current-env --nbval-cell-timeout=300 \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS)

## Re-execute every lecture and solution notebook in place (outputs are committed), then regenerate labs/.
notebooks: $(STAMP)
	$(ONE_THREAD) $(PY) -m nnedu.instructor execute $(NOTEBOOKS)
	$(PY) -m nnedu.instructor labs

## Regenerate the student labs/ from solutions/.
labs: $(STAMP)
	$(PY) -m nnedu.instructor labs

## Grade submissions: make grade LAB=lab2_pytorch_vs_nnedu SUBMISSIONS="subs/*.ipynb" [OUT=grades.csv]
OUT ?= grades.csv
grade: $(STAMP)
	$(ONE_THREAD) $(PY) -m nnedu.instructor grade $(LAB) $(SUBMISSIONS) --out $(OUT) --feedback feedback --jobs $(JOBS)

## Build the student bundle: make release [DIR=release] [FORCE=1 to replace an existing bundle]
DIR ?= release
release: $(STAMP)
	$(PY) -m nnedu.instructor release $(DIR) $(if $(FORCE),--force,)

## Speed of nnedu vs PyTorch (not part of the tests).
bench: $(STAMP)
	$(PY) benchmarks/bench_mlp.py

clean:
	rm -rf $(VENV) .pytest_cache
