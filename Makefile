# Two commands do the whole set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
BENCH_DATA ?= ../shared/bench-data
BENCH_OUT  ?= bench-results

.PHONY: install demo test lint bench browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (root on CI; skipped when already present).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; \
	fi

test: install browser
	$(VENV)/bin/pytest -q -p no:cacheprovider

demo: install
	$(VENV)/bin/allocate validate instances/fr-pme
	$(VENV)/bin/allocate info instances/fr-pme
	$(VENV)/bin/allocate compare instances/fr-pme --models geography,size,value_proposition,roles,generalist,hybrid --time-limit 20 --out runs/fr-pme
	$(VENV)/bin/allocate report runs/fr-pme/*/ --instance instances/fr-pme --offline --out maps/fr-pme/
	$(VENV)/bin/allocate map runs/fr-pme/geography --vs runs/fr-pme/size --instance instances/fr-pme --offline --out maps/fr-pme-geography-vs-size.html
	@echo "open maps/index.html"

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

bench: install
	$(PIP) install --quiet -e '.[test,dev,bench]'
	mkdir -p $(BENCH_OUT)
	$(PY) benchmarks/gap.py $(BENCH_DATA)/gap --set cattrysse1994 --time-limit 10 --out $(BENCH_OUT)/gap_cattrysse.csv
	$(PY) benchmarks/gap.py $(BENCH_DATA)/gap --set chu1997 --time-limit 60 --out $(BENCH_OUT)/gap_chu.csv
	$(PY) benchmarks/alignment_scale.py $(BENCH_OUT)/scale-instances --sizes 2000x12,20000x100,100000x500 --time-limit 30,30,300 --out $(BENCH_OUT)/alignment_scale.csv
	$(PY) benchmarks/rcpsp.py $(BENCH_DATA)/rcpsp/j30 --time-limit 10 --workers 2 --out $(BENCH_OUT)/rcpsp_j30.csv
	$(PY) benchmarks/pmedian.py $(BENCH_DATA)/pmed --time-limit 60 --peer-max-n 200 --out $(BENCH_OUT)/pmed.csv
	$(PY) benchmarks/pmedian.py $(BENCH_DATA)/cpmp --capacitated --time-limit 60 --out $(BENCH_OUT)/cpmp.csv
	$(PY) benchmarks/schedule_scale.py instances/fr-national --time-limit 120 --workers 2 --out $(BENCH_OUT)/schedule_scale.csv
	$(PY) benchmarks/schedule_scale.py instances/fr-national --even-days --time-limit 120 --workers 2 --out $(BENCH_OUT)/schedule_scale_even.csv
	$(PY) benchmarks/map_scale.py $(BENCH_OUT)/map-instances --out $(BENCH_OUT)/map_scale.csv
	$(PY) benchmarks/solve_memory.py instances/fr-national --models geography,roles --time-limit 60 --out $(BENCH_OUT)/solve_memory.csv
	$(PY) benchmarks/serve_latency.py $(BENCH_OUT)/serve-instances --out $(BENCH_OUT)/serve_latency.csv
	$(PY) benchmarks/territory_design.py $(BENCH_DATA)/territory_dtdp --time-limit 60 --out $(BENCH_OUT)/territory_design.csv --solutions $(BENCH_OUT)/territory_design
	$(PY) benchmarks/contiguity_bound.py instances/fr-pme --rounds 30 --out $(BENCH_OUT)/contiguity_bound.csv

clean:
	rm -rf $(VENV) runs bench-results .pytest_cache
