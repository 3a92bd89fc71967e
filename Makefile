# Brugerblik — the two commands a new user needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-pg install demo clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# venv, install, demo study into an empty store (leaves a non-empty store, or one with users, alone),
# the demo admin on a store without users (prints how to sign in), start the app on 127.0.0.1 (serve.py:
# app.py through Streamlit's ASGI wrapper, with the routes that set the signed-in browser's cookie)
run: install
	$(BIN)/brugerblik demo --if-empty
	$(BIN)/brugerblik user demo-admin
	$(BIN)/streamlit run serve.py --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false

# venv, install (browser included), every test: first on SQLite, then again on a throwaway
# PostgreSQL server on 127.0.0.1 (tools/pg-test.sh sets BRUGERBLIK_TEST_DB; if the server cannot
# be started that is a failure, never a skip). The second run leaves out the tests that open no
# store and the browser tests not marked browser_on_pg (tests/conftest.py says why)
test: install
	bash tools/system-deps.sh
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
	bash tools/pg-test.sh $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# only the PostgreSQL run (e.g. make test-pg PYTEST_ARGS="tests/survey")
test-pg: install
	bash tools/system-deps.sh
	bash tools/pg-test.sh $(BIN)/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV)
