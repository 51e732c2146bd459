# The README's two commands are `make run` and `make test`; each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := BACKOFFICE_ENV=development $(BIN)/flask --app wsgi
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# Test processes (pytest-xdist): "auto" is one per core; tests waiting on subprocesses and
# sockets leave room for a few more (`make test PYTEST_WORKERS=4`), 0 runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: run test check lint install chromium translations messages

## Set up, migrate, load demo data (idempotent), start a job worker and serve on http://127.0.0.1:5000.
run: $(STAMP) .env translations
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@echo "Backoffice: http://127.0.0.1:5000  (sign in with a demo login above)"
	@# The background-job worker runs beside the web server and stops with it (Ctrl-C).
	$(FLASK) jobs worker --workers 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

## Set up and run every test (SQLite; PostgreSQL too when TEST_DATABASE_URL is set).
test: $(STAMP) chromium .env translations
	$(BIN)/pytest -n $(PYTEST_WORKERS)

## The everyday quick run: SQLite only, without the multi-process and browser tests.
check: $(STAMP) .env translations
	TEST_DATABASE_URL= REQUIRE_POSTGRES= $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

install: $(STAMP) .env translations

# The catalogs (backoffice/translations/*/LC_MESSAGES/messages.po) compiled to .mo, which git
# ignores: the build makes them, never a hand step.
translations: $(STAMP)
	@if ls backoffice/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel --quiet compile -d backoffice/translations; fi

# After marking or changing strings: extract them all (Python and templates) into
# messages.pot and merge it into the tr and en catalogs; then translate the new or fuzzy tr
# entries in backoffice/translations/tr/LC_MESSAGES/messages.po (tests/test_catalogs.py
# fails until every one is done) and commit the .pot and both .po files.
I18N := backoffice/translations
messages: $(STAMP)
	$(BIN)/pybabel --quiet extract -F $(I18N)/babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
	  --add-location=file --sort-output --omit-header -o $(I18N)/messages.pot .
	@for lang in tr en; do \
	  if [ -f $(I18N)/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel --quiet update -i $(I18N)/messages.pot -d $(I18N) -l $$lang --no-wrap \
	      --ignore-obsolete --ignore-pot-creation-date; \
	  else $(BIN)/pybabel --quiet init -i $(I18N)/messages.pot -d $(I18N) -l $$lang --no-wrap; fi; \
	done

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,prod]"
	touch $(STAMP)

# The flask command reads .env (python-dotenv): this machine's development settings, with a
# secret key of its own, so the README's command-line examples work as written. Git ignores it;
# production sets SECRET_KEY and the rest in its own environment (gunicorn never reads .env).
.env:
	printf 'BACKOFFICE_ENV=development\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" > .env

# Browser tests drive Debian's Chromium (a browser download is impossible offline).
chromium: /usr/bin/chromium
/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium
