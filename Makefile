# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# The player's JavaScript tooling (eslint), from package-lock.json; the node tests need none of it.
NODE_STAMP := node_modules/.installed

.PHONY: run test lint format install lock bench clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --requirement requirements.lock
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

.env:
	@echo "writing .env with a generated SECRET_KEY (not committed)"
	@$(PYTHON) -c "import secrets; print('SECRET_KEY=' + secrets.token_urlsafe(50))" > .env

run: $(STAMP) .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py bootstrap_site
	$(BIN)/python manage.py load_demo --if-empty
	@echo "serving on http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/), with the background worker"
	$(BIN)/python -m kepuqingcheng.launch --host 127.0.0.1 --port $(PORT) --no-access-log --no-proxy-headers

test: $(STAMP)
	node --test tests/js/
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) $(NODE_STAMP)
	npx --no-install eslint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml templates

# Re-resolve the locked set after changing a pin in pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude kepuqingcheng > requirements.lock
	rm -rf .lock-venv

# Every bench/*.py run as a script (harness.py, serving.py and cold_app.py are parts they share).
# BENCH_SIZE=tiny runs each in seconds, as CI does (bench/harness.py).
BENCHES := $(shell grep -l '^if __name__ == "__main__":' bench/*.py)

bench: $(STAMP)
	@for script in $(BENCHES); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
