# Alliance Hub: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: axe demo edge test install lint format check e2e bench bench-all bench-pages bench-manifesto bench-crowdfund bench-votes bench-search bench-load bench-rsvp bench-newsletter bench-digest clean

$(BIN)/.installed: requirements.lock requirements-server.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	@# gunicorn's HTTP parser in C, built from source: skipped (gunicorn parses in Python)
	@# where no C compiler and Python headers are found.
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-server.lock \
		|| echo "note: gunicorn-h1c was not built (no C compiler?): gunicorn will parse requests in Python"
	touch $@

install: $(BIN)/.installed

## demo: install, migrate, load demo content and serve on SQLite at http://$(HOST):$(PORT)
demo: install
	env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=cms.settings.dev $(BIN)/python manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=cms.settings.dev $(BIN)/python manage.py load_demo --address http://$(HOST):$(PORT)/
	@(sleep 3; printf '%s\n' "" \
		"------------------------------------------------------------------" \
		"Alliance Hub is running at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)" \
		"Sign in as editor@alliancehub.example or supporter@alliancehub.example" \
		"(every demo login and its password are listed above). Press Ctrl+C to stop." \
		"------------------------------------------------------------------") &
	env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=cms.settings.dev DEBUG=$${DEBUG:-false} \
		WAGTAILADMIN_BASE_URL=http://$(HOST):$(PORT) \
		$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

## edge: the production stack's edge without Docker: gunicorn on PostgreSQL/Redis (DATABASE_URL,
## REDIS_URL) with Varnish in front at http://127.0.0.1:$(EDGE_PORT)/ (deploy/edge-local.sh)
EDGE_PORT ?= 8080
edge: install
	APP_PORT=$(PORT) EDGE_PORT=$(EDGE_PORT) deploy/edge-local.sh

## axe: axe-core from the npm registry for the accessibility checks (skipped without npm)
axe:
	@if command -v npm >/dev/null 2>&1; then \
		[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

## test: the whole suite (SQLite by default; PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set)
## on TEST_WORKERS parallel workers (0: in one process; pytest-xdist: each has its own test database and Redis
## database, see tests/support/workers.py); the browser journeys all run on one of them.
TEST_WORKERS ?= 2
test: install axe
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## e2e: the browser journeys alone (needs Debian's chromium package)
e2e: install axe
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

## check: Django's checks, missing migrations and the linter
check: install
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles media-test db.sqlite3

## bench: the page benchmark, then the write paths (Stripe webhooks applied, votes through
## gunicorn), each beside its baseline (needs PostgreSQL, Redis and wrk); BENCH_QUICK=1 for a short run
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
bench: bench-pages bench-crowdfund bench-votes

## bench-all: every benchmark, one after another
bench-all: bench-pages bench-manifesto bench-crowdfund bench-votes bench-search bench-newsletter bench-digest bench-rsvp

## bench-pages: our pages beside a bare Django view and a fresh Wagtail site
bench-pages: install
	$(BIN)/python bench/run.py

## bench-manifesto: 10,000 amendments, 1,000,000 votes: page times, votes/s, ranking time
bench-manifesto: install
	DATABASE_URL=$(BENCH_PG)/hub_manifesto_bench DJANGO_SETTINGS_MODULE=cms.settings.test \
		$(BIN)/python bench/manifesto_bench.py

## bench-crowdfund: 10,000 signed webhooks (20% duplicates, shuffled), a real worker per queue
BENCH_CROWDFUND_DB ?= hub_crowdfund_bench
BENCH_CROWDFUND_REDIS ?= redis://127.0.0.1:6379/3
bench-crowdfund: install
	DATABASE_URL=$(BENCH_PG)/$(BENCH_CROWDFUND_DB) REDIS_URL=$(BENCH_CROWDFUND_REDIS) \
		$(BIN)/python bench/crowdfund_webhooks.py

## bench-votes: 32 signed-in voters through gunicorn (session, CSRF): votes/s, none lost or doubled
BENCH_VOTES_DB ?= hub_votes_bench
BENCH_VOTES_REDIS ?= redis://127.0.0.1:6379/14
bench-votes: install
	BENCH_DATABASE_URL=$(BENCH_PG)/$(BENCH_VOTES_DB) BENCH_REDIS_URL=$(BENCH_VOTES_REDIS) \
		$(BIN)/python bench/votes.py

## bench-load: 2 minutes of mixed load (reads, votes, donations, stories), then every write checked
bench-load: install
	BENCH_DATABASE_URL=$(BENCH_PG)/hub_load BENCH_REDIS_URL=redis://127.0.0.1:6379/9 \
		$(BIN)/python bench/load.py

## bench-newsletter: 60,000 subscribers: queued in under 60 s, delivered to aiosmtpd at 200/s or more
bench-newsletter: install
	DATABASE_URL=$(BENCH_PG)/hub_news_bench REDIS_URL=redis://127.0.0.1:6379/10 \
		$(BIN)/python bench/newsletter.py

## bench-digest: the daily digest for 15,000 and 60,000 supporters: time, peak RSS, beside send_mass_mail
bench-digest: install
	DATABASE_URL=$(BENCH_PG)/hub_digest_bench REDIS_URL=redis://127.0.0.1:6379/15 \
		$(BIN)/python bench/digest.py

## bench-rsvp: 32 concurrent bookers on the same meetings: RSVPs per second, no place given twice
bench-rsvp: install
	DATABASE_URL=$(BENCH_PG)/hub_meetings_bench REDIS_URL=redis://127.0.0.1:6379/15 \
		$(BIN)/python bench/rsvp.py

## bench-search: site search repeated, and never asked before, beside the two baselines
## (the page benchmark's data and settings; BENCH_REUSE_DATA=1 keeps what `make bench` loaded)
.PHONY: bench-search
bench-search: install
	$(BIN)/python bench/search.py
