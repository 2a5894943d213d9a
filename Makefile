# Two commands do all the set-up on a fresh machine with Python >= 3.11:
#   make demo   virtual environment, install, then train -> evaluate -> predict -> report
#   make test   the same install, then the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REPORT := reports/default

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "framing needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/framing corpus stats corpus
	$(BIN)/framing train --experiment default
	$(BIN)/framing evaluate --experiment default
	$(BIN)/framing predict corpus --model experiments/default --out $(REPORT)/predictions.csv
	$(BIN)/framing report --predictions $(REPORT)/predictions.csv --model experiments/default --out $(REPORT)
	@echo "Report: $(REPORT)/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache
