# Two commands do everything on a fresh machine:  make run  and  make test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Development server settings for `make run` (never used in production).
DEV_ENV := DEBUG=1

.PHONY: run test lint install browser proxy loadtools migrate demo bench clean messages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's nginx and openssl for the tests of the production proxy recipe (tests/deploy/test_nginx.py
# starts its own nginx on free loopback ports; the package's own service is not needed).
proxy:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx && command -v openssl >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx openssl >/dev/null; }

# Debian's load generators for the benchmark: wrk (peak) and h2load from nghttp2-client (half peak).
loadtools:
	@command -v wrk >/dev/null 2>&1 && command -v h2load >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk nghttp2-client >/dev/null; }

migrate: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(PY) manage.py seed_demo --if-empty
	$(DEV_ENV) $(PY) manage.py seed_prototypes_demo
	$(DEV_ENV) $(PY) manage.py seed_cms_demo
	$(DEV_ENV) $(PY) manage.py search_index --rebuild

# Installs, migrates, loads demo data, then serves HTTP + websockets on http://127.0.0.1:8000/
# (Daphne's runserver) with the background-task worker and the scheduler of periodic tasks beside it.
run: demo
	$(DEV_ENV) sh -c '$(PY) manage.py run_worker --interval 0.5 & worker=$$!; \
	  $(PY) manage.py run_scheduler & scheduler=$$!; \
	  trap "kill $$worker $$scheduler 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:8000'

test: install browser proxy
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

bench: install loadtools
	$(PY) bench/run.py $(BENCH_ARGS)

# The translation catalogues (cocreate/locale) brought up to date with the source, then compiled. New
# strings come in untranslated: tests/test_translations.py fails until every listed language has them.
MESSAGES_IGNORE := -i '.venv/*' -i 'node_modules/*' -i 'bench/*' -i 'tests/*' -i 'staticfiles/*' -i 'var/*'
messages: install
	$(DEV_ENV) $(PY) manage.py makemessages -a --no-obsolete $(MESSAGES_IGNORE)
	$(DEV_ENV) $(PY) manage.py makemessages -a --no-obsolete -d djangojs $(MESSAGES_IGNORE)
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles
