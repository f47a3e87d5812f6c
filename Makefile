# Two commands: `make run` (set up, build the demo if needed, start the app) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/phm.duckdb
PORT ?= 8501

.PHONY: run test setup setup-dev demo check lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

# Rebuilt when the schema changes, so an older demo never meets newer code.
$(DB): phm/schema.py | $(VENV)/.runtime
	$(BIN)/python -m phm demo --out $(DB)

demo: setup
	$(BIN)/python -m phm demo --out $(DB)

run: setup $(DB)
	PHM_DB=$(DB) $(BIN)/streamlit run serve.py --server.port $(PORT)

check: setup
	$(BIN)/python -m phm check $(DB)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup-dev lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

bench: setup-dev
	for script in build queries overview explore compare map outreach ingest cold_start memory room; do \
		PYTHONPATH=. $(BIN)/python benchmarks/bench_$$script.py || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
