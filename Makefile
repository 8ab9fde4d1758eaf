# The two commands a newcomer needs: `make run` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

# The embedded default: development mode on SQLite, no keys, no services.
export DJANGO_DEBUG ?= 1

.PHONY: run serve test install setup lint check pytest pytest-fast admin-password admin-code clean system-deps

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_directory
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: setup
	$(PY) manage.py ensure_dev_admin --url http://$(HOST):$(PORT)/admin/
	@echo "The portal: http://$(HOST):$(PORT)/   (Ctrl-C stops it)"
	$(PY) manage.py devserver $(HOST):$(PORT)

admin-password: install
	$(PY) manage.py ensure_dev_admin --reset

# The development admin's second factor: the code its sign-in asks for now (no authenticator app needed).
admin-code: install
	@$(PY) manage.py ensure_dev_admin --code

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The fast loop while working: everything but the tests marked slow (subprocesses, real timeouts, browsers,
# migrations). `make test` still runs them all.
pytest-fast: install
	$(VENV)/bin/pytest -m "not slow" $(PYTEST_ARGS)

# The system packages the suite needs (Chromium, gettext, a Korean font) are owned by .ci/system-deps: it installs
# what is missing when it can (as root or with passwordless sudo), else stops with the one command to run.
# Only `make test` needs them; `make run` does not.
system-deps:
	@bash .ci/system-deps

test: system-deps lint check pytest

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# The production stack on one machine (README: Production): gunicorn (config/gunicorn.py: a process per core,
# threads for the waits), the task worker (the donors' emails) and the scheduler (config/schedule.py), under one
# small supervisor (config/serve.py). Needs PostgreSQL and Redis: DATABASE_URL and REDIS_URL, and the production
# settings (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, STRIPE_..., see the README). DEBUG is off.
serve: export DJANGO_DEBUG := 0
serve: install
	@test -n "$$DATABASE_URL" || { echo "make serve needs DATABASE_URL (PostgreSQL), e.g. postgres://user@host:5432/portal"; exit 1; }
	@test -n "$$REDIS_URL" || { echo "make serve needs REDIS_URL, e.g. redis://127.0.0.1:6379/0 (the rate limits and the page cache every process shares)"; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py check --deploy
	exec $(PY) -m config.serve
