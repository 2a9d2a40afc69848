# Two commands matter: `make demo` and `make test`. Each sets up what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test setup chromium lint typecheck pytest test-scale serve clean protocol-docs

demo: setup
	$(BIN)/ropeteam demo --port $(PORT)

test: chromium setup lint typecheck pytest

# The browser tests drive Debian's Chromium (or CHROMIUM_PATH). As root, or with password-less
# sudo, it is installed here; otherwise this stops at once with the one line to run.
CHROMIUM_PATH ?= /usr/bin/chromium
chromium:
	@test -x "$(CHROMIUM_PATH)" || { \
	  if [ "$$(id -u)" = 0 ]; then as_root=""; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as_root="sudo -n"; \
	  else as_root=none; fi; \
	  if [ "$$as_root" != none ] && command -v apt-get >/dev/null; then \
	    echo "== installing Debian's chromium for the browser tests"; \
	    $$as_root apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$as_root apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test needs Chromium: run 'sudo apt-get install chromium' (or set CHROMIUM_PATH)."; \
	    exit 1; \
	  fi; \
	}

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

# The events section of docs/protocol.md, from the event classes (a test checks it).
protocol-docs: setup
	$(BIN)/python -m ropeteam.api.protocol

typecheck: setup
	$(BIN)/mypy

pytest: chromium setup
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL and Redis (what .ci/run does after `make test`).
test-scale: chromium setup
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules .ropeteam .mypy_cache .ruff_cache .pytest_cache
