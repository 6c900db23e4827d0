# GovGrid. `make run` serves the platform; `make test` runs the tests. Both set up what is missing.
PY := .venv/bin/python
PYTEST := $(PY) -m pytest

.PHONY: setup setup-dev run simulate test test-postgis lint bench messages

# Tests run with DEBUG off, as Django's test runner does, over plain http.
TEST_ENV := SECRET_KEY=tests-only-secret-key-$(shell printf 'x%.0s' $$(seq 40)) HTTPS=0

setup:
	@scripts/setup.sh

setup-dev:
	@scripts/setup.sh --dev

run:
	@scripts/run.sh

# Beside a running `make run` (another terminal): a living demo county, with 14 days of history first.
simulate: setup
	@SECRET_KEY="$$(cat var/secret_key)" DEBUG=0 HTTPS=0 REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:$${REDIS_PORT:-6379}/0}" \
	  $(PY) manage.py simulate --history 14 $(SIMULATE_ARGS)

messages: setup-dev
	@DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0

test: setup-dev messages
	$(TEST_ENV) $(PYTEST) $(PYTEST_ARGS)

# The same suite, plus integration tests, on real PostGIS and Redis:
#   DATABASE_URL=postgis://user@host/db REDIS_URL=redis://host:6379/0 make test-postgis
test-postgis: setup-dev messages
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || { echo "Set DATABASE_URL=postgis://… and REDIS_URL=redis://…"; exit 2; }
	$(TEST_ENV) $(PYTEST) --integration $(PYTEST_ARGS)

lint: setup-dev
	.venv/bin/ruff check .

bench: setup-dev
	DEBUG=1 $(PY) bench/run.py
