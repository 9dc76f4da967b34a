# China's Quantum Push, Recomputed — every command a reader, reviewer or author needs.
# Set-up is automatic: the first target that needs Python creates .venv and installs
# the pinned requirements.txt (constrained by constraints.txt).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_STRICT := --warningiserror --nitpick --keep-going
# With --keep-going, Sphinx saves what it read even when a page warned, and the next build, which
# reads only changed pages, would not warn again: a failed build forgets what it read.
FORGET_ON_FAILURE := || { rm -f _build/.doctrees/environment.pickle; exit 1; }
JB_BUILD = { $(BIN)/jupyter-book build . $(JB_STRICT) $(FORGET_ON_FAILURE); }
JB_SINGLE = { $(BIN)/jupyter-book build . --builder singlehtml $(JB_STRICT) $(FORGET_ON_FAILURE); }
PORT ?= 8000
TEST_WORKERS ?= 3

.PHONY: help book test validate lock outputs serve clean bench refresh release linkcheck browser fonts setup chapter axe pdf lint

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	@# evidence (what notebooks import) and tools (what builds the book), editable from the repo itself
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . -c constraints.txt
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the pinned stack (done automatically)

book: $(STAMP)  ## build the site into _build/html (re-executes notebooks whose inputs changed)
	@# Nothing changed since the last successful build (tools/buildstamp.py): nothing to do.
	@$(PY) -m tools.buildstamp current book $(JB_STRICT) || { \
	  $(PY) -m evidence.datapackage validate --if-changed && \
	  $(PY) -m tools.execute --stale && \
	  inputs=$$($(PY) -m tools.buildstamp inputs $(JB_STRICT)) && \
	  $(JB_BUILD) && \
	  $(PY) -m tools.buildstamp record book "$$inputs"; }

outputs: $(STAMP)  ## re-execute every notebook and rewrite its committed outputs
	$(PY) -m evidence.datapackage validate
	$(PY) -m tools.execute --all

validate: $(STAMP)  ## check the whole data package: one line per problem
	$(PY) -m evidence.datapackage validate

lock: $(STAMP)  ## after an intended data edit: validate, then record the new checksums
	$(PY) -m evidence.datapackage lock

browser:  ## make sure headless Chromium is installed (tests need it)
	@test -n "$${CHROMIUM:-}" -a -x "$${CHROMIUM:-/nonexistent}" || command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || { echo "could not install chromium: install the Debian package 'chromium' and re-run"; exit 1; }; \
	  else echo "the browser tests need Chromium: install the Debian package 'chromium' (as root: apt-get install chromium)"; exit 1; fi; }

fonts:  ## make sure a font for Chinese is installed (the PDF editions print Chinese text)
	@test -n "$$(fc-list :lang=zh 2>/dev/null)" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's fonts-noto-cjk for the Chinese text of the PDF editions"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null) \
	      || { echo "could not install fonts-noto-cjk: install the Debian package 'fonts-noto-cjk' and re-run"; exit 1; }; \
	  else echo "no font for Chinese (fc-list :lang=zh is empty): install the Debian package 'fonts-noto-cjk' (as root: apt-get install fonts-noto-cjk)"; exit 1; fi; }
	@test -n "$$(fc-list :lang=zh 2>/dev/null)" || { echo "no font for Chinese after installing fonts-noto-cjk (fc-list :lang=zh is empty): run fc-cache -f and re-run"; exit 1; }

AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
$(AXE):
	@command -v npm >/dev/null || { echo "the accessibility test needs axe-core from npm: install Node.js and npm"; exit 1; }
	npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@4.14.1

axe: $(AXE)  ## install axe-core (npm) for the accessibility test

lint: $(STAMP)  ## ruff and codespell over the package, tools, tests and the notebooks' code cells
	$(PY) -m tools.lint

test: $(STAMP) browser fonts $(AXE)  ## lint, build the site and its PDF editions as committed, then run every test (data, references, nbval, site, browser, PDF)
	$(PY) -m tools.lint
	$(PY) -m evidence.datapackage validate
	@# No re-execution here: committed outputs that no longer follow from code and data must
	@# fail the tests (run `make outputs`), not be silently regenerated. The strict build is the one
	@# `make book` runs: skipped when make book already built exactly these inputs (tools/buildstamp.py);
	@# not recorded here, since make book's record also stands for executing what was stale.
	@$(PY) -m tools.buildstamp current book $(JB_STRICT) || $(JB_BUILD)
	@# The site links the PDF editions: print them from the same build (tests/test_pdf.py checks them),
	@# unless nothing changed since they were last printed (tools/buildstamp.py).
	@$(PY) -m tools.buildstamp current pdf || { \
	  inputs=$$($(PY) -m tools.buildstamp inputs) && $(JB_SINGLE) && \
	  $(PY) -m tools.pdf && $(PY) -m tools.buildstamp record pdf "$$inputs"; }
	@# Both cores, and a third worker for the time the others wait on browsers and kernels (measured:
	@# 194 s against 232 s with two); each test file runs whole on one worker (nbval runs a notebook's
	@# cells in order, on one kernel), the longest files first (tests/conftest.py): xdist's own order,
	@# by number of tests, started the three longest files last.
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

refresh:  ## re-measure the OpenAlex series (needs network and OPENALEX_API_KEY; LAST_YEAR=YYYY to stop earlier)
	@# The key is checked first, with the system Python: without it nothing is set up or written.
	@$(PYTHON) -m tools.refresh check
	@$(MAKE) --no-print-directory -s $(STAMP)
	$(PY) -m tools.refresh $(if $(LAST_YEAR),--last-year "$$LAST_YEAR")

release: $(STAMP)  ## new data version: make release BUMP=patch CHANGES="what changed and why" (or VERSION=X.Y.Z)
	$(PY) -m tools.release $(if $(VERSION),--version "$$VERSION") $(if $(or $(BUMP),$(bump)),--bump "$(or $(BUMP),$(bump))") $(if $(CHANGES),--change "$$CHANGES")

bench: $(STAMP) browser  ## time clean and incremental builds against their floor; writes benchmarks/latest.json
	$(PY) -m tools.bench

pdf: $(STAMP) browser fonts  ## the PDF editions (full and brief), printed from the single-page build: _build/pdf/
	$(PY) -m evidence.datapackage validate
	$(PY) -m tools.execute --stale
	inputs=$$($(PY) -m tools.buildstamp inputs) && $(JB_SINGLE) && \
	  $(PY) -m tools.pdf && $(PY) -m tools.buildstamp record pdf "$$inputs"

chapter: $(STAMP)  ## scaffold a new finding: make chapter NAME=satellites TOPIC=communication PREFIX=sat
	@test -n "$(NAME)" -a -n "$(TOPIC)" -a -n "$(PREFIX)" || { echo "usage: make chapter NAME=short_name TOPIC=topic PREFIX=idprefix"; exit 2; }
	$(PY) -m tools.scaffold "$(NAME)" "$(TOPIC)" "$(PREFIX)"

linkcheck: $(STAMP)  ## check every external URL of the built site and references.bib (needs network)
	$(BIN)/jupyter-book build . --builder linkcheck

serve: ## preview the built site on http://127.0.0.1:$(PORT)
	@test -d _build/html || { echo "no site yet: run 'make book' first"; exit 1; }
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

clean:  ## remove the built site and caches (keeps .venv)
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
