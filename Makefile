# Two commands for a new user: `make run` and `make test`. Each builds its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast test-slow lint bench clean

$(BIN)/.train: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[train]'
	touch $@

$(BIN)/.dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/.train $@

## run the assistant: trains the bundled model if missing or stale, then serves it on :8080
run: $(BIN)/.train
	$(BIN)/assistant run

## lint (ruff, import contracts), then every test: the fast suite (tiny model), the real-model tests (marker `slow`) and the reliability tests (marker `faults`)
test: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q -m slow
	$(BIN)/python -m pytest -q -m faults

test-fast: $(BIN)/.dev
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) models reports
