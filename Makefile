# Two commands matter: `make demo` and `make test`. Both build .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HYPOTHESIS_PROFILE ?= default

.PHONY: demo test test-deep test-spark lint typecheck pytest docs bench rule-index clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/casemgmt demo examples/*.json
	$(BIN)/casemgmt screen examples/population/population.csv --programme guided-care \
		--as-of 2026-01-05 --places 50 --group-by deprivation_quintile
# Exit status 1 means a case manager is in breach, which the example team shows.
	$(BIN)/casemgmt caseload examples/team/team.json --as-of 2026-11-23 --allocate \
		|| test $$? -eq 1
# Exit status 1 means a review is overdue, which the example case book shows.
	$(BIN)/casemgmt schedule examples/reviews/cases.json --manager CM-01 \
		|| test $$? -eq 1
# A case record to a FHIR R4 Bundle and back: the record read back is checked as a document.
	$(BIN)/casemgmt export-fhir examples/occupational-health-back-pain.json > $(VENV)/demo-bundle.json
	@echo "FHIR bundle: $$(( $$(grep -c '"resourceType"' $(VENV)/demo-bundle.json) - 1 )) resources in $(VENV)/demo-bundle.json"
	$(BIN)/casemgmt import-fhir $(VENV)/demo-bundle.json \
		| $(BIN)/casemgmt validate-document case-record /dev/stdin

test: lint typecheck pytest docs

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs examples tools
	$(BIN)/ruff format --check src tests benchmarks docs examples tools

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -n auto --hypothesis-profile=$(HYPOTHESIS_PROFILE)

# The population tests on PySpark as well (needs Java; installs the `spark` extra).
test-spark: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[spark]'
	$(BIN)/python -m pytest -n auto --hypothesis-profile=$(HYPOTHESIS_PROFILE) tests/population

test-deep:
	$(MAKE) test HYPOTHESIS_PROFILE=deep

docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

# The tests that document each rule (their @pytest.mark.rule markers), shipped with the
# library for `casemgmt rules` and the docs; tests/rules/test_traceability.py fails when stale.
rule-index: $(STAMP)
	$(BIN)/python tools/rule_index.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) docs/_build .mypy_cache .ruff_cache .hypothesis
