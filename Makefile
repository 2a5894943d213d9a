# Two commands do all the set-up on a fresh machine with Python >= 3.11:
#   make demo   virtual environment, install, then train -> evaluate -> predict -> report
#   make test   the same install, then the test suite
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PREDICTIONS := reports/predictions.parquet
DEMO := --experiment demo --config experiments/default/config.toml

.PHONY: demo test install experiments public-datasets clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "framing needs Python >= 3.11")'
	@echo "creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "installing framing and its dependencies into $(VENV) (1-3 minutes on a fresh machine; pip reports each package)"
	set -o pipefail; $(BIN)/python -m pip install --disable-pip-version-check -e '.[test,dask]' \
		| { grep --line-buffered -E '^(Collecting|Installing|Successfully)' || true; }
	@touch $(STAMP)

install: $(STAMP)

# The demo trains its own copy of the default experiment into experiments/demo/ (not tracked), so
# that it leaves the shipped model in experiments/default/ and `git status` untouched.
demo: $(STAMP)
	$(BIN)/framing corpus stats corpus
	$(BIN)/framing train $(DEMO)
	$(BIN)/framing evaluate $(DEMO)
	$(BIN)/framing predict corpus --model experiments/demo --out $(PREDICTIONS)
	$(BIN)/framing report $(DEMO) --model experiments/demo --predictions $(PREDICTIONS) --collection news --collection official --collection seeds --compare NYT Guardian \
		--out reports/full-text --title "How outlets framed the Russia–Ukraine war: articles and official statements"
	$(BIN)/framing report $(DEMO) --model experiments/demo --predictions $(PREDICTIONS) --collection headlines \
		--out reports/headlines --title "How outlets framed the Russia–Ukraine war: headlines (RUWA)"
	$(BIN)/framing report $(DEMO) --labels --out reports/hand-labels --title "Hand-labelled paragraphs by outlet"
	@echo "Reports: reports/full-text/index.html, reports/headlines/index.html, reports/hand-labels/index.html"

# In CI (CI=true, as root) Debian's chromium is installed so that the browser test runs.
test: $(STAMP)
	@if [ "$$CI" = "true" ] && ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser test"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
			|| echo "chromium could not be installed: the browser test will be skipped"; \
	fi
	$(BIN)/python -m pytest -q

experiments: $(STAMP)
	FRAMING=$(BIN)/framing bash benchmarks/experiments.sh

# BABE, PolNeAR and Färber from ../shared/data through framing's commands (~15 min), then the
# BABE calibration and lexicon cross-fitting checks; writes experiments/{babe,polnear,faerber}/
public-datasets: $(STAMP)
	$(BIN)/python benchmarks/public_datasets.py
	$(BIN)/python benchmarks/babe_ablations.py

clean:
	rm -rf $(VENV) reports/*/ reports/*.parquet .pytest_cache experiments/demo
