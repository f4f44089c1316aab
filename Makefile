# Quick start: `make serve` runs the archive, `make test` runs the tests.
# Both create .venv/ and install the project into it on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: serve test test-all index bench bench-views bench-korean bench-suggestions wheelhouse clean

$(BIN)/archive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## serve: index the records (only what changed) and serve the archive on http://127.0.0.1:5000/
serve: $(BIN)/archive
	$(BIN)/archive serve --host $(HOST) --port $(PORT)

## test: the test suite, in one process a core (browser tests run when Debian's chromium is installed)
test: $(BIN)/archive
	$(BIN)/python -m pytest -m "not slow" -n auto --dist worksteal

## test-all: the test suite with the long runs too
test-all: $(BIN)/archive
	$(BIN)/python -m pytest -n auto --dist worksteal

## bench: the archive side by side with Datasette on N generated records (N=34000 by default)
N      ?= 34000
REPEAT ?= 15
bench: $(BIN)/archive
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --n $(N) --repeat $(REPEAT)

## bench-views: what the views above the public (researchers', archivists') cost a full rebuild of the N generated records `make bench` made (bench/.work/tN-tr0p1): time, documents and size
bench-views: $(BIN)/archive
	$(BIN)/python bench/views.py bench/.work/t$(N)-tr0p1

## bench-korean: recall and precision of Korean search, with kiwipiepy (a morphological analyzer) as the oracle
bench-korean: $(BIN)/archive
	$(BIN)/python -m pip install --quiet 'kiwipiepy==0.24.1'
	$(BIN)/python bench/korean_oracle.py

## bench-suggestions: suggested evidence: quality on the labelled passages of bench/suggestions/ (held out by testimony, against scikit-learn, keywords and random), then speed on N generated records
bench-suggestions: $(BIN)/archive
	$(BIN)/python -m pip install --quiet 'scikit-learn>=1.3'
	$(BIN)/python bench/suggestions.py quality
	$(BIN)/python bench/suggestions.py speed --n $(N)

## wheelhouse: the project's wheel and a wheel of every runtime dependency (alignment's too), for this Python, in dist/wheelhouse/ (to install on a laptop with no network)
wheelhouse: $(BIN)/archive
	rm -rf dist/wheelhouse
	$(BIN)/python -m pip wheel --quiet --wheel-dir dist/wheelhouse '.[align]'
	cp docs/wheelhouse-INSTALL.txt dist/wheelhouse/INSTALL.txt
	@echo "Wrote dist/wheelhouse/ ($$(ls dist/wheelhouse/*.whl | wc -l) wheels); see dist/wheelhouse/INSTALL.txt"

## index: build or update the index in index/
index: $(BIN)/archive
	$(BIN)/archive index

clean:
	rm -rf $(VENV) index test-output .pytest_cache *.egg-info dist
