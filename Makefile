# nearinit: the two commands are `make book` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt code/pyproject.toml tools/pyproject.toml | sha256sum | cut -c1-16)
# nbgrader's database step runs `alembic` from PATH; notebooks run with the venv's kernel.
export PATH := $(BIN):$(PATH)
export PYTHONHASHSEED := 0
# One BLAS thread: the book's matrix products are small, and threads only fight over the 2 cores.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1

NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
# The site's math is typeset when it is built, by MathJax in Node.js (tools/nearinit_book/site/prerender.py).
NEED_NODE := @command -v node >/dev/null 2>&1 || { echo "!!! building the site needs Node.js, which typesets the book's math (Debian: apt-get install nodejs)"; exit 1; }
JB_FLAGS := -W -n --keep-going
# nbval in strict mode: a fresh kernel re-runs each notebook and every stored output must match, figures included
# (their SVGs up to machine noise: the plugin nearinit_book.claims.figures; tests/test_figures.py shows it failing
# on a figure drawn from other data).
NBVAL := -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -p nearinit_book.claims.figures

.PHONY: claims interactive-data pdf slides bundle-test book test venv lint unit notebooks executed site browser axe assignments assignments-test serve execute portability bench clean
.PHONY: course student-site student-setup-test bench-course mutation

venv: $(STAMP)

# (Re)create the virtual environment when it is missing or requirements.txt / code/pyproject.toml changed.
$(STAMP): requirements.txt code/pyproject.toml tools/pyproject.toml
	@echo "==> setting up $(VENV) from requirements.txt"
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

## make book: build the website into _build/html (warnings are errors)
book: $(STAMP)
	$(NEED_NODE)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "==> website: $(CURDIR)/_build/html/index.html"

## make test: every check. Two streams share the 2 cores: the grading tests (nbgrader round trips, JupyterLab in
## Chromium; `make assignments-test`, log in _build/assignments-test.log) beside everything else, in order of speed.
test: $(STAMP)
	@mkdir -p _build
	@$(MAKE) --no-print-directory assignments-test > _build/assignments-test.log 2>&1 & grading=$$!; \
	$(MAKE) --no-print-directory lint unit executed notebooks site browser student-site; rest=$$?; \
	wait $$grading; graded=$$?; \
	echo "==> make assignments-test (run beside the rest):"; cat _build/assignments-test.log; \
	if [ $$rest -ne 0 ] || [ $$graded -ne 0 ]; then echo "!!! make test: a check failed (see above)"; exit 1; fi
	@echo "==> make test: all checks passed"

lint: $(STAMP)
	$(BIN)/ruff check code tests bench book tools assignments
	$(BIN)/ruff format --check code tests bench book tools assignments

unit: $(STAMP)
	$(PY) -m pytest -q code/tests

# tests/test_claims.py: every check cell declares its claim and false variants, every result is covered, and the
# committed report of `make claims` is current (it reads metadata and the report; it executes nothing).
executed: $(STAMP)
	$(PY) -m pytest -q tests/test_notebooks_executed.py tests/test_repository.py tests/test_claims.py

notebooks: $(STAMP)
	$(PY) $(NBVAL) $(NOTEBOOKS)
	$(PY) -m pytest -q -p no:cacheprovider tests/test_figures.py

site: $(STAMP)
	$(NEED_NODE)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	$(PY) -m pytest -q tests/test_site.py tests/test_prerender.py tests/test_api_page.py tests/test_interactive_data.py

## make browser: the built site (_build/html, from `make site`) in headless Chromium; see tests/test_browser.py
CHROMIUM ?= /usr/bin/chromium
AXE := tests/node_modules/axe-core/axe.min.js

browser: $(STAMP) axe
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!! BROWSER TESTS SKIPPED: no Chromium at $(CHROMIUM) (Debian: apt-get install chromium)"; \
	  echo "!!! The website was not checked in a browser. With CI=true this is a failure."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi
	NEARINIT_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -rs -p no:cacheprovider tests/test_browser.py

# axe-core (accessibility checks injected into each page), pinned in tests/package-lock.json, from the npm
# registry into the git-ignored tests/node_modules. Without npm the accessibility tests are skipped (CI: failure).
axe: $(AXE)
$(AXE): tests/package.json tests/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  echo "==> installing axe-core into tests/node_modules (npm ci)"; \
	  npm ci --prefix tests --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "!!! npm not found: axe-core not installed, the accessibility tests will be skipped"; \
	fi

## make assignments: a throw-away build of every assignment into _build/assignments/course (see `make course`)
assignments: $(STAMP)
	$(PY) -m nearinit_book.course.assignments build

# The course tests: the catalogue of fake submissions graded by nbgrader, feedback, package check, and every
# chapter and release opened in JupyterLab in headless Chromium (one course build shared by both files).
assignments-test: $(STAMP)
	NEARINIT_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -rs -p no:cacheprovider tests/test_assignments.py tests/test_jupyterlab.py

## make execute [NB=book/03_smooth.ipynb]: re-run notebooks in place after changing the package, then strip the
## per-run metadata (timestamps, Python version) that nbconvert leaves; tests/test_notebooks_executed.py checks it
execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False $(or $(NB),$(NOTEBOOKS))
	$(PY) -m nearinit_book.notebooks $(or $(NB),$(NOTEBOOKS))
	@# Which cells go on which slide (cell metadata `slideshow`), recomputed from the edited cells (nearinit_book.slides).
	$(PY) -m nearinit_book.slides.mark

## make portability: nbval strict again as other machines run it: OpenBLAS's kernels of older CPUs (Prescott,
## SandyBridge) and the BLAS thread count left to the library, as in a student's JupyterLab. .ci/run runs it.
PORTABILITY_KERNELS ?= Prescott SandyBridge
portability: $(STAMP)
	@for k in $(PORTABILITY_KERNELS); do \
	  echo "==> nbval strict with OPENBLAS_CORETYPE=$$k, BLAS threads not pinned"; \
	  env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS OPENBLAS_CORETYPE=$$k $(PY) $(NBVAL) $(NOTEBOOKS) || exit 1; \
	done
	@echo "==> nbval strict with the native kernel, BLAS threads not pinned"
	env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS $(PY) $(NBVAL) $(NOTEBOOKS)

## make claims [NB=book/05_anticoncentration.ipynb]: every false variant declared in the check cells' metadata, each
## in a fresh kernel (2 at a time), must fail exactly its check cell with an AssertionError; writes
## book/claims_report.json (the results page's claim ledger; tests/test_claims.py checks it is current). 583
## CPU-seconds for the whole book: about 5 minutes on the idle 2-core machine (README, "What `make claims` proves").
claims: $(STAMP)
	$(PY) -m nearinit_book.claims $(foreach nb,$(NB),--nb $(nb))

## make serve: build if needed and serve the site on http://127.0.0.1:8000
serve: $(STAMP)
	@test -f _build/html/index.html || $(MAKE) book
	@echo "==> serving the book at http://127.0.0.1:$(or $(PORT),8000)/ (Ctrl-C to stop)"
	$(PY) -m http.server --bind 127.0.0.1 --directory _build/html $(or $(PORT),8000)

bench: $(STAMP)
	@if [ -f bench/run.py ]; then $(PY) bench/run.py; fi
	@$(MAKE) --no-print-directory bench-course
	@# The website: page weight, requests, layout shift and load time of a first visit, as ratios to 595d7ae.
	@if [ -f _build/html/index.html ] && [ -x "$(CHROMIUM)" ]; then NEARINIT_CHROMIUM=$(CHROMIUM) $(PY) bench/site.py; \
	  else echo "!!! website bench skipped: needs a built site (make book) and Chromium at $(CHROMIUM)"; fi

## make interactive-data: recompute chapter 6's interactive figure (book/_extra/interactive/worst-case-data.js)
interactive-data: $(STAMP)
	$(PY) -m nearinit_book.site.worst_case_data

clean:
	rm -rf _build

# --------------------------------------------------------------------------- the book offline: PDF, handouts, slides
# See README.md, "PDF, handouts and slides". `make pdf slides bundle-test` is what .ci/run runs after `make test`.
PDF_OUT := _build/pdf
PDF_MISSING = $(shell tools/nearinit_book/pdf/missing-debian-packages)

## make pdf: the whole book as one PDF (_build/pdf/nearinit.pdf) and one student handout per chapter (_build/pdf/handouts/)
pdf: $(STAMP)
	@if [ -n "$(PDF_MISSING)" ]; then \
	  echo "!!! make pdf needs these Debian packages, which are missing: $(PDF_MISSING)"; \
	  echo "!!! install them with: sudo apt-get install $(PDF_MISSING)"; exit 1; fi
	rm -rf _build/pdf-book _build/pdf-handouts-src $(PDF_OUT)
	$(BIN)/jupyter-book build . --builder pdflatex $(JB_FLAGS) --path-output _build/pdf-book
	mkdir -p $(PDF_OUT) && cp _build/pdf-book/_build/latex/nearinit.pdf $(PDF_OUT)/nearinit.pdf
	$(PY) -m nearinit_book.pdf.handouts stage --out _build/pdf-handouts-src
	$(BIN)/jupyter-book build _build/pdf-handouts-src --builder pdflatex $(JB_FLAGS)
	$(PY) -m nearinit_book.pdf.handouts cut --pdf _build/pdf-handouts-src/_build/latex/nearinit.pdf --out $(PDF_OUT)/handouts
	@echo "==> the book: $(CURDIR)/$(PDF_OUT)/nearinit.pdf; handouts: $(CURDIR)/$(PDF_OUT)/handouts/"

## make slides: one reveal.js deck per chapter (_build/slides/<chapter>.html), offline; see tools/nearinit_book/slides/build.py
SLIDES_NPM := tools/nearinit_book/slides/node_modules/reveal.js/dist/reveal.js

$(SLIDES_NPM): tools/nearinit_book/slides/package.json tools/nearinit_book/slides/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "!!! make slides needs npm (Debian: apt-get install npm)"; exit 1; }
	npm ci --prefix tools/nearinit_book/slides --no-audit --no-fund --loglevel=error && touch $@

slides: $(STAMP) $(SLIDES_NPM)
	rm -rf _build/slides _build/slides-env
	@# The site's numbers (Lemma 5.1, Fig. 3.2): a Sphinx environment of the book, from Sphinx's dummy builder.
	$(BIN)/jupyter-book build . --builder custom --custom-builder dummy $(JB_FLAGS) --path-output _build/slides-env
	$(PY) -m nearinit_book.slides.build --env _build/slides-env/_build/.doctrees/environment.pickle --out _build/slides
	@echo "==> decks: $(CURDIR)/_build/slides/ (open one, press S for the speaker notes)"

## make bundle-test: the PDF, handouts and decks (after `make pdf slides`), and the site rebuilt to serve and link them
bundle-test: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	NEARINIT_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -rs -p no:cacheprovider tests/test_bundle.py
# ------------------------------------------------------------------------------------------ the course edition
# README.md, "Teaching with it". The course folder is assignments/: `make course` rewrites its sources and releases
# (nbgrader `--force`) and keeps its gradebook, submissions, grades and feedback.
STUDENT_KIT := assignments/student-kit

## make course: every chapter's assignment into assignments/, the solution key, the student kit
course: $(STAMP)
	$(PY) -m nearinit_book.course.assignments course
	rm -rf $(STUDENT_KIT) && mkdir -p $(STUDENT_KIT)
	cp tools/nearinit_book/course/requirements-student.txt $(STUDENT_KIT)/requirements-student.txt
	$(PY) -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir $(STUDENT_KIT) ./code
	rm -rf code/build
	@echo "==> student kit (hand it out): $(STUDENT_KIT)/"

## make student-site: the student edition of the website into _build/student/_build/html (publish this one)
student-site: $(STAMP)
	$(NEED_NODE)
	$(PY) -m nearinit_book.course.site --src _build/student-src
	rm -rf _build/student
	$(BIN)/jupyter-book build _build/student-src --path-output _build/student $(JB_FLAGS)
	$(PY) -m pytest -q -p no:cacheprovider tests/test_student_site.py
	@echo "==> student website: $(CURDIR)/_build/student/_build/html/index.html"

## make student-setup-test: the student set-up (student kit) in a fresh virtual environment, offline from pip's cache
student-setup-test: course
	$(PY) -m pytest -q -rs -p no:cacheprovider tests/test_student_setup.py

## make mutation [MODULE=worst_case]: mutation testing of the package (mutmut, pinned in requirements.txt; settings in
## code/pyproject.toml) against the unit tests, niced, on 2 workers; not part of `make test` (slow: see README).
## MODULE=name runs all the mutants of nearinit/name.py again, each against the tests that execute the mutated
## function; the results of the other modules stay in code/mutants/, so the scores accumulate module by module.
## (mutmut copies only .py files again: the stub __init__.pyi, lazy_loader's list, is refreshed here.)
## Without MODULE: every mutant not yet checked. Ends with the score per module, in all, and the time taken.
MODULE ?=
mutation: $(STAMP)
	@mkdir -p code/mutants; start=$$(date +%s); \
	if [ -d code/mutants/nearinit ]; then cp code/nearinit/__init__.pyi code/mutants/nearinit/; fi; \
	(cd code && nice -n 19 $(BIN)/mutmut run --max-children 2 $(if $(MODULE),"$(if $(filter __init__,$(MODULE)),nearinit.x_*,nearinit.$(MODULE).*)") > mutants/run.log 2>&1; \
	  $(BIN)/mutmut results --all true > mutants/results.txt 2>&1) || true; \
	$(PY) code/mutation_score.py code/mutants/results.txt $(if $(MODULE),--module $(MODULE)) --seconds $$(( $$(date +%s) - start ))

## make bench-course: autograding one submission (lean assignment) against the whole chapter in a fresh kernel
bench-course: $(STAMP)
	$(PY) bench/assignments.py
