# aftersales: `make run` serves the demo on http://127.0.0.1:8000 (with its job worker); `make test` runs every test.
# Each target sets up .venv itself, so both work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := $(wildcard core/locale/*/LC_MESSAGES/messages.po plugins/*/locale/*/LC_MESSAGES/messages.po)
MO := $(LOCALES:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test bench lint setup translations extract-messages update-messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) translations

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(MO)

var/.demo-loaded: $(STAMP)
	$(BIN)/aftersales db upgrade
	$(BIN)/aftersales demo > var/demo-logins.txt
	touch var/.demo-loaded

# The worker (queued jobs, customer messages, periodic jobs) runs beside the server and stops
# with it.
run: setup var/.demo-loaded
	$(BIN)/aftersales db upgrade
	@cat var/demo-logins.txt
	$(BIN)/aftersales worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/aftersales serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# issue 11: the project beside a bare Starlette app; SCALE=1m, QUICK=1, BACKENDS=sqlite (see
# bench/README.md). Writes bench/results/report.md and its charts.
bench: setup
	SCALE="$(SCALE)" QUICK="$(QUICK)" BACKENDS="$(BACKENDS)" $(BIN)/python -m bench.side_by_side

lint: setup
	$(BIN)/ruff check .

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -o core/locale/messages.pot --no-location --sort-output --project aftersales core

update-messages: extract-messages
	$(BIN)/pybabel update -i core/locale/messages.pot -d core/locale --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) var
