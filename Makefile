# The two commands: `make demo` and `make test`. Each sets up what it needs.
VENV ?= .venv
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_URL ?= postgres://postgres@127.0.0.1:5432/marsad
# Test processes: one per core, at most 4 (each may drive a browser); files are kept whole on one process
JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
PYTEST = $(VENV)/bin/python -m pytest -n $(JOBS) --dist loadfile

.PHONY: demo test system-deps bench clean messages fuzz cluster cluster-down

$(VENV)/.installed: pyproject.toml setup.py src/marsad/core/matching/_mih.c
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

system-deps:
	@if ! command -v exiftool >/dev/null || ! command -v chromium >/dev/null || ! command -v msgfmt >/dev/null || ! ldconfig -p | grep -q libmagic.so.1 || ! ldconfig -p | grep -q libpangoft2 || ! fc-list | grep -q Amiri; then \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libimage-exiftool-perl libmagic1 openssl chromium gettext fonts-hosny-amiri libpango-1.0-0 libpangoft2-1.0-0; fi

demo: system-deps $(VENV)/.installed
	$(VENV)/bin/marsad demo --dir demo-data
	@echo "== Open http://localhost:8000/ and sign in as demo / marsad-demo-2019 (Arabic: http://localhost:8000/ar/) =="
	$(VENV)/bin/marsad serve --home demo-data/workspace --port 8000

test: system-deps $(VENV)/.installed
	$(PYTEST)
	@if $(VENV)/bin/python -c "import psycopg; psycopg.connect('$(PG_URL:/marsad=/postgres)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== again against PostgreSQL (browser flows and S3 command tests ran once, above) =="; \
	  DATABASE_URL=$(PG_URL) $(PYTEST) -m "not browser and not once"; \
	else echo "PostgreSQL not reachable at $(PG_URL): the suite ran on SQLite only"; fi

bench: system-deps $(VENV)/.installed
	$(VENV)/bin/pip install -q -e '.[bench]'
	$(VENV)/bin/python bench/ingest.py
	$(VENV)/bin/python bench/custody.py
	$(VENV)/bin/python bench/index.py --n 1000000
	$(VENV)/bin/python bench/similar.py --n 1000000
	$(VENV)/bin/python bench/video_hash.py
	$(VENV)/bin/python bench/matching_eval.py
	$(VENV)/bin/python bench/sources.py
	$(VENV)/bin/python bench/grouping_eval.py
	$(VENV)/bin/python bench/places_eval.py --misses 0

# A cluster on this machine (docs/scale.md): a fresh database on PG_URL's server, a SeaweedFS S3 server,
# the web app at CLUSTER_PORT and CLUSTER_WORKERS worker hosts, each a process of its own, until `make cluster-down`
CLUSTER_DIR ?= marsad-cluster
CLUSTER_WORKERS ?= 2
CLUSTER_PORT ?= 8000
cluster: $(VENV)/.installed
	$(VENV)/bin/marsad cluster up $(CLUSTER_DIR) --workers $(CLUSTER_WORKERS) --port $(CLUSTER_PORT) --postgres $(PG_URL:/marsad=)

cluster-down:
	$(VENV)/bin/marsad cluster down $(CLUSTER_DIR)

# Fuzz each reader for FUZZ_SECONDS (atheris, a test extra); a crash stops there, its input left in FUZZ_OUT
FUZZ_SECONDS ?= 60
FUZZ_OUT ?= /tmp/marsad-fuzz
fuzz: $(VENV)/.installed
	@rm -rf $(FUZZ_OUT)/tmp && mkdir -p $(FUZZ_OUT)/tmp
	@for h in fuzz/fuzz_*.py; do echo "== $$h ($(FUZZ_SECONDS) s)"; \
	  TMPDIR=$(FUZZ_OUT)/tmp $(VENV)/bin/python $$h -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(FUZZ_OUT)/ > $(FUZZ_OUT)/last.log 2>&1 \
	    || { grep -a -v "^INFO: Instrumenting" $(FUZZ_OUT)/last.log | tail -n 40; exit 1; }; \
	  grep -a "^Done" $(FUZZ_OUT)/last.log; done

# The Arabic catalogue: extract every string, then translate the new ones in src/marsad/locale/ar/LC_MESSAGES/django.po
messages: $(VENV)/.installed
	cd src/marsad && MARSAD_HOME=$$(mktemp -d) ../../$(VENV)/bin/marsad manage makemessages -l ar --no-obsolete --no-location \
	  --ignore 'web/static/vendor/*' && MARSAD_HOME=$$(mktemp -d) ../../$(VENV)/bin/marsad manage compilemessages -l ar

clean:
	rm -rf $(VENV) demo-data marsad-data .pytest_cache
