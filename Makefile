# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install libvlc translations lint

$(BIN)/dianjiao: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(BIN)/dianjiao

# Installs libvlc with apt when we may (root or passwordless sudo); otherwise says how, and goes on.
libvlc:
	@bash scripts/ensure-libvlc.sh

run: install libvlc
	$(BIN)/dianjiao init
	$(BIN)/dianjiao demo --if-empty
	$(BIN)/dianjiao serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

translations:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d app/translations

lint:
	$(BIN)/ruff check app media_index schedules tests benchmarks
