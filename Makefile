# Brugerblik — the two commands a new user needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install demo clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# venv, install, demo study into an empty store (leaves a non-empty store alone), start the app on 127.0.0.1
run: install
	$(BIN)/brugerblik demo --if-empty
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false

# venv, install (browser included), every test
test: install
	bash tools/system-deps.sh
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV)
