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

# The app's bytecode, written once: where PYTHONDONTWRITEBYTECODE is set (the development
# machine sets it) every `dianjiao` command and test worker compiles the app's modules again.
install: $(BIN)/dianjiao
	@$(BIN)/python -m compileall -q app media_index schedules >/dev/null

# Installs libvlc with apt when we may (root or passwordless sudo); otherwise says how, and goes on.
libvlc:
	@bash scripts/ensure-libvlc.sh

run: install libvlc
	$(BIN)/dianjiao init
	$(BIN)/dianjiao demo --if-empty
	$(BIN)/dianjiao serve --host $(HOST) --port $(PORT)

# Two pytest-xdist workers by default (about half the time: much of the suite waits on real-time
# playback, servers and Chromium); `make test WORKERS=0` runs in one process.
WORKERS ?= 2
test: install
	$(BIN)/ruff check app media_index schedules tests benchmarks
	$(BIN)/python -m pytest -q -n $(WORKERS) --durations=25

# Extract the marked strings, merge them into zh and en (translations kept, new ones empty, none
# guessed as fuzzy), compile the .mo files (tracked, so a clone runs without this step). Running it
# twice changes nothing: the .pot is only replaced when more than its date differs.
# A new language: $(BIN)/pybabel init -i $(I18N)/messages.pot -d $(I18N) -l CODE
I18N := app/translations
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --project=Dianjiao --version=1 \
		-o $(I18N)/messages.pot.new .
	@if [ -f $(I18N)/messages.pot ] && diff -q -I '^"POT-Creation-Date: ' $(I18N)/messages.pot \
		$(I18N)/messages.pot.new >/dev/null; then rm $(I18N)/messages.pot.new; \
	else mv $(I18N)/messages.pot.new $(I18N)/messages.pot; fi
	$(BIN)/pybabel update -i $(I18N)/messages.pot -d $(I18N) --no-fuzzy-matching \
		--ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(I18N) --statistics

lint:
	$(BIN)/ruff check app media_index schedules tests benchmarks
