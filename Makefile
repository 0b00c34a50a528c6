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

.PHONY: help install lock lab lint test-browser test test-grading test-hostile claims test-portable unit nbval notebooks labs grade similarity nbgrader-venv test-class release bench hub test-hub test-release clean

## List the targets with the first sentence of what each does.
help:
	@awk '/^## /{sub(/^## /, ""); doc = doc (doc ? " " : "") $$0; next} /^$$/{doc = ""} \
	     /^[a-z][a-z-]*:/{split($$1, t, ":"); if (doc) {sub(/(\. |[:;(]|\.$$).*/, "", doc); sub(/ +$$/, "", doc); printf "  make %-13s %s\n", t[1], doc}; doc = ""}' \
	    $(firstword $(MAKEFILE_LIST))

# Create the virtual environment on first use and (re)install whenever the pins change: the lock, then this
# repository's two packages (nnedu, nnedu_instructor) editable, without dependencies (the lock has them all).
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

## Create or update .venv from requirements.txt (make test and make lab do it when needed).
install: $(STAMP)

## Recompile requirements.txt and the released course's lock from pyproject.toml (pip-tools; today's pins are
## kept, UPGRADE=1 moves them): see scripts/lock.sh and docs/install.md.
lock:
	PYTHON=$(PYTHON) VENV=$(VENV) scripts/lock.sh

## Start JupyterLab on the course (no browser; open the printed URL). The course's notebooks are trusted first,
## so their committed widget outputs (finished progress bars) display before anything runs; jupyter/ holds the
## course's JupyterLab settings (widget state saved with the notebook, no news popup, *.egg-info hidden).
lab: $(STAMP)
	$(VENV)/bin/jupyter trust lectures/*.ipynb labs/*.ipynb
	$(VENV)/bin/jupyter lab --no-browser $(ROOT_FLAG) --config=$(CURDIR)/jupyter/jupyter_server_config.py --ServerApp.root_dir=$(CURDIR)

## The student's JupyterLab in Chromium (Playwright; needs /usr/bin/chromium or $$CHROMIUM): lectures run clean,
## widgets survive a server restart, lab cells are locked. Works on copies; not part of `make test`.
test-browser: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest tests/browser -v

## Lint, unit tests, the labs-in-sync check, and strict nbval on every lecture and solution notebook (this machine's CPU).
## The slower suites are targets of their own, each run by CI's .ci/run after this one: claims, test-portable
## (strict nbval as on foreign CPUs), test-grading (real gradings of whole labs), test-browser, test-release.
NBVAL := --nbval --nbval-current-env --nbval-cell-timeout=300 --nbval-sanitize-with tests/nbval_sanitize.cfg
CPU_CONFIGS ?= native avx2 sse4
test: $(STAMP)
	$(PY) -m ruff check --quiet .
	$(PY) -m nnedu_instructor labs --check
	$(ONE_THREAD) $(PY) -m pytest -n $(JOBS) --dist loadfile tests --ignore=tests/browser --ignore=tests/claims $(NBVAL) $(NOTEBOOKS)

## Real gradings of whole labs (slow; tests/instructor/slow_*.py): every lab's alternative correct answers get full
## marks, shortcut answers lose the points their lab forbids, and real nbgrader 0.9.6 agrees cell by cell.
test-grading: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n $(JOBS) --dist loadfile -v tests/instructor/slow_*.py

## Hostile submissions too slow for `make test` (tests/instructor/slow_hostile.py): attackers that cost the
## grader a cell's whole time limit (a 600 MiB print, a flood of large messages). Run by CI's .ci/run.
test-hostile: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -v tests/instructor/slow_hostile.py

## The claims suite (tests/claims/): each headline sentence of a lecture or lab re-run over several seeds and
## splits; ends with the list of claims it guards. Run by CI after `make test`.
claims: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n $(JOBS) tests/claims -v

## Lint the Python sources with ruff (pyproject.toml's [tool.ruff]: pycodestyle, pyflakes, import order; `make
## test` runs it first). FIX=1 applies ruff's safe fixes.
lint: $(STAMP)
	$(PY) -m ruff check $(if $(FIX),--fix,) .

## Unit tests only (no notebooks).
unit: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n $(JOBS) tests --ignore=tests/browser --ignore=tests/claims

## Strict nbval on every lecture and solution notebook only.
nbval: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(NOTEBOOKS)

## Strict nbval under every emulated CPU configuration (CPU_CONFIGS); stops at the first that fails.
test-portable: $(STAMP)
	set -e; for c in $(CPU_CONFIGS); do echo "== strict nbval as on CPU configuration: $$c =="; \
	    $(ONE_THREAD) scripts/cpu_config.sh $$c $(PY) -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(NOTEBOOKS); done

## Re-execute every lecture and solution notebook in place (outputs are committed), then regenerate labs/.
notebooks: $(STAMP)
	$(ONE_THREAD) $(PY) -m nnedu_instructor execute $(NOTEBOOKS)
	$(PY) -m nnedu_instructor labs

## Regenerate the student labs/ from solutions/.
labs: $(STAMP)
	$(PY) -m nnedu_instructor labs

## Grade submissions, each kernel in its own sandbox (Linux namespaces via unshare):
## make grade LAB=lab2_pytorch_vs_nnedu SUBMISSIONS="submitted/*/lab2_pytorch_vs_nnedu/*.ipynb" [OUT=grades.csv]
## feedback goes to feedback/LAB/STUDENT.md; UNSAFE=1 grades without a sandbox (trusted code only, e.g. macOS).
## OUT is merged (rows of other students kept); ROSTER=FILE adds 'missing' rows; ONLY=GRADE_ID merges one test.
OUT ?= grades.csv
grade: $(STAMP)
	$(ONE_THREAD) $(PY) -m nnedu_instructor grade $(LAB) $(SUBMISSIONS) --out $(OUT) --feedback feedback \
	    --jobs $(JOBS) $(if $(UNSAFE),--unsafe,) $(if $(ROSTER),--roster $(ROSTER),) $(if $(ONLY),--only $(ONLY),)

## Similarity report of a lab's submissions for the instructor to read (flags, never deductions): each answer cell
## against nnedu's source, the lectures, the solutions and the other submissions (copydetect's fingerprints):
## make similarity LAB=lab1_backprop SUBMISSIONS="submitted/*/lab1_backprop/*.ipynb" [REPORT=similarity/LAB.html]
REPORT ?= similarity/$(basename $(notdir $(LAB))).html
similarity: $(STAMP)
	$(PY) -m nnedu_instructor similarity $(LAB) $(SUBMISSIONS) --out $(REPORT)

## The nbgrader 0.9.6 environment the round-trip test uses (also made by the test on first use).
nbgrader-venv: $(STAMP)
	$(ONE_THREAD) $(PY) -c "import sys; sys.path.insert(0, 'tests/instructor'); import slow_nbgrader_roundtrip as t; t.nbgrader_venv()"

## A class with real nbgrader and real accounts (as root; skipped loudly otherwise): release through the exchange,
## four students submit (one late, one whose kernel dies), autograde by our sandboxed grader, formgrader's API,
## feedback, export; prints the transcript and writes it to CLASS_TRANSCRIPT (docs/instructors.md).
CLASS_TRANSCRIPT ?= build/class-transcript.md
test-class: $(STAMP)
	$(PY) -c "import sys; sys.path.insert(0, 'tests/instructor'); import slow_nbgrader_roundtrip as t; t.nbgrader_venv()"
	NNEDU_CLASS_TRANSCRIPT=$(CURDIR)/$(CLASS_TRANSCRIPT) $(ONE_THREAD) $(PY) -m pytest -v -s tests/class/slow_*.py

## Write the students' course, a git repository of its own (nnedu_instructor/release.py; docs/deployment.md):
## make release DIR=../nnedu-course [FORCE=1: release again into that repository, as a new commit]
DIR ?= release
release: $(STAMP)
	$(PY) -m nnedu_instructor release $(DIR) $(if $(FORCE),--force,)

## Speed of nnedu vs PyTorch (not part of the tests): one training step, then whole fit() runs.
bench: $(STAMP)
	$(PY) benchmarks/bench_mlp.py
	$(PY) benchmarks/bench_fit.py

## The course on JupyterHub for a trial (deploy/, see docs/deployment.md): http://127.0.0.1:8000, any
## name, password nnedu-trial (NNEDU_HUB_PASSWORD); NNEDU_HUB_MODE=users for a class of local users (as root).
## The hub serves the released course from NNEDU_HUB_SERVE (deploy/setup.sh), never this repository.
hub: $(STAMP)
	PYTHON=$(PYTHON) VENV=$(VENV) deploy/setup.sh
	deploy/.venv-hub/bin/jupyterhub -f deploy/jupyterhub_config.py

## Load test of the hub (not part of `make test`): STUDENTS simulated students (default 6) run lecture 06 and
## Lab 2 through their own servers at once; report in HUB_REPORT.
STUDENTS ?= 6
HUB_REPORT ?= deploy/state/hub-load.md
test-hub: $(STAMP)
	PYTHON=$(PYTHON) VENV=$(VENV) deploy/setup.sh
	$(ONE_THREAD) $(PY) deploy/hub_load.py --students $(STUDENTS) --report $(HUB_REPORT) --json $(HUB_REPORT:.md=.json)

## The released course as students and a class hub get it (slow, not part of `make test`; CI runs it): the
## course's own `make test` and `make check`, its binder/postBuild in a fresh venv, then the hub in users mode
## with two real student accounts trying to read what is not theirs (as root; skipped loudly otherwise).
test-release: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -v -s tests/deploy/slow_course.py tests/deploy/slow_hub_users.py

## Remove .venv and pytest's cache.
clean:
	rm -rf $(VENV) .pytest_cache
