# Task runner. Every target creates .venv when it is missing; a second run is quick
# because the install step is skipped while pyproject.toml is unchanged.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pip-audit lives in its own venv, so its dependencies never mix with the audited set.
AUDIT_VENV := .venv-audit

.PHONY: demo test bench lint soak clean audit lock browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,charts]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/streamer demo

# The store tests run on PostgreSQL too: where its server binaries are installed (CI)
# and no STREAMER_TEST_PG_URL is given, a throwaway cluster serves this one run.
PG_BIN ?= /usr/lib/postgresql/15/bin
test: $(STAMP) browser
	@if [ -z "$$STREAMER_TEST_PG_URL" ] && [ -x $(PG_BIN)/pg_ctl ]; then \
	    PG_BIN=$(PG_BIN) $(BIN)/python scripts/pgcluster.py run -- $(BIN)/python -m pytest; \
	else $(BIN)/python -m pytest; fi

# The HTML report tests render pages in Debian's headless Chromium and read the printed
# PDF back with poppler: installed here when missing and this is root with apt-get
# (CI and a fresh machine), else the line says what to install.
browser:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	            --no-install-recommends chromium poppler-utils fonts-dejavu-core >/dev/null; \
	    else echo "make test: install chromium and poppler-utils (the HTML report tests use them)"; fi; \
	fi

# DuckDB is a benchmark baseline only: the bench extra has its own stamp, so `make test`
# and CI never install it.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

soak: $(STAMP)
	$(BIN)/python tests/soak_reliability.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The locked set: every installed distribution, pinned (the project itself left out).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

# Known vulnerabilities in requirements.lock: fails on one; says so and passes when
# the advisory service cannot be reached (scripts/audit.py).
audit: $(STAMP)
	@if test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && \
	    $(AUDIT_VENV)/bin/python -m pip install --quiet 'pip-audit>=2.7,<3'; }; then \
	    $(BIN)/python scripts/audit.py --pip-audit $(AUDIT_VENV)/bin/pip-audit requirements.lock; \
	else echo "audit: pip-audit cannot be installed (offline?); audit skipped"; fi

clean:
	rm -rf $(VENV) $(AUDIT_VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
