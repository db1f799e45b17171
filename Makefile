# eenplan — the two commands: `make run` and `make test`. Everything else is set up by them.
# `make lint` (run by CI before the tests): ruff, mypy with its ratchet, and the import-linter layer contracts.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PG_BIN := /usr/lib/postgresql/15/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench install system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## system packages the tests need: PostgreSQL 15 server binaries, gpg, runuser, Node.js + npm (the test OIDC provider,
## axe-core), Debian's chromium (the browser tests drive it through Playwright; no browser is ever downloaded),
## rnp and sq (the recipients' OpenPGP engines every plan mail is read with: Thunderbird's RNP, Sequoia),
## wrk (make bench: the hot read's load generator, C, one thread), nginx-light (the cluster test's and bench's
## load balancer in front of three app nodes)
system-deps:
	@missing=""; \
	[ -x $(PG_BIN)/initdb ] || missing="$$missing postgresql-15"; \
	command -v gpg >/dev/null || missing="$$missing gnupg"; \
	command -v runuser >/dev/null || missing="$$missing util-linux"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v rnp >/dev/null || missing="$$missing rnp"; \
	command -v sq >/dev/null || missing="$$missing sq"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

run: install
	$(BIN)/eenplan migrate
	$(BIN)/eenplan demo --if-empty
	$(BIN)/eenplan serve

test: install system-deps
	@[ -d tests/auth/oidc/node_modules ] || (cd tests/auth/oidc && npm ci --silent --no-audit --no-fund)
	@[ -d tests/web/node_modules ] || (cd tests/web && npm ci --silent --no-audit --no-fund)
	@[ -d tests/crypto/openpgpjs/node_modules ] || (cd tests/crypto/openpgpjs && npm ci --silent --no-audit --no-fund)
	@[ -d tests/cal/icaljs/node_modules ] || (cd tests/cal/icaljs && npm ci --silent --no-audit --no-fund)
	EENPLAN_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q

## ruff (lint), mypy (strict for domain/ and services/, the rest ratcheted) and the layer contracts, all
## configured in pyproject.toml; `ruff format --check` keeps the tree formatted (run `ruff format .`).
lint: install
	$(BIN)/ruff check --output-format concise .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python .ci/mypy_ratchet.py
	$(BIN)/lint-imports

bench: install system-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info
